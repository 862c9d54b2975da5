#!/usr/bin/env python3
"""The unchanged boto3 client against a running Local Bedrock server, one model family at a time.

Usage: boto3_clients.py ENDPOINT FAMILY=MODEL_ID [FAMILY=MODEL_ID ...]

Needs boto3 and, for a boto3 older than Bedrock (Debian's), AWS_DATA_PATH pointing at the bedrock-runtime service
model. Each family is one entry in TEXT_FAMILIES, EMBEDDING_FAMILIES or IMAGE_FAMILIES below: how its request body is written and
where its response and stream chunks keep the text or vectors. Every check runs for every family named on the
command line. Exits 0 only when every check passed; the last line says how many passed and failed.
"""

import base64
import json
import struct
import sys
import zlib
from dataclasses import dataclass
from typing import Callable, List, Optional

import boto3
from botocore.config import Config

from checks import Checks, expect

METRICS = "amazon-bedrock-invocationMetrics"
PROMPT = "Hello world"
MAX_TOKENS = 12


@dataclass(frozen=True)
class TextFamily:
    """How one text family's bodies look on the wire."""
    body: Callable[[str, int], dict]          # (prompt, max tokens) -> a greedy request body
    text: Callable[[dict], str]               # InvokeModel response -> generated text
    chunk_text: Optional[Callable[[dict], str]]  # stream chunk -> its piece of text; None: the family does not stream
    bad_body: dict                            # a body Bedrock refuses with ValidationException ...
    bad_field: str                            # ... whose message names this field


@dataclass(frozen=True)
class EmbeddingFamily:
    """How one embedding family's bodies look on the wire."""
    body: Callable[[List[str]], dict]         # texts -> a request body (single-text families take one)
    vectors: Callable[[dict], List[List[float]]]
    batch: bool                               # whether one request embeds several texts
    bad_body: dict
    bad_field: str


@dataclass(frozen=True)
class ImageFamily:
    """How one image family's bodies look on the wire."""
    body: Callable[[str, int, int, int, int], dict]  # (prompt, seed, width, height, samples) -> a request body
    images: Callable[[dict], List[bytes]]             # InvokeModel response -> the PNG files, in order
    seeds: Callable[[dict], List[int]]                # ... and the seed of each
    bad_body: dict
    bad_field: str


IMAGE_FAMILIES = {
    "stability-sdxl": ImageFamily(
        # Few steps: the served test pipeline is random-weight, so more steps only cost time.
        body=lambda p, seed, w, h, n: {"text_prompts": [{"text": p}, {"text": "blurry", "weight": -1.0}],
                                       "cfg_scale": 7, "steps": 10, "seed": seed, "width": w, "height": h,
                                       "samples": n, "sampler": "K_EULER"},
        images=lambda r: [base64.b64decode(a["base64"]) for a in r["artifacts"]],
        seeds=lambda r: [a["seed"] for a in r["artifacts"]],
        bad_body={"text_prompts": [{"text": "a lighthouse"}], "cfg_scale": 31},
        bad_field="cfg_scale"),
}


def png_size(data):
    """(width, height) of a PNG, after checking its signature, chunk CRCs and that its pixels inflate."""
    expect(data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature: " + repr(data[:8]))
    at, size, pixels = 8, None, b""
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        payload = data[at + 8:at + 8 + length]
        crc = struct.unpack(">I", data[at + 8 + length:at + 12 + length])[0]
        expect(zlib.crc32(kind + payload) == crc, "bad CRC in chunk " + repr(kind))
        if kind == b"IHDR":
            size = struct.unpack(">II", payload[:8])
        elif kind == b"IDAT":
            pixels += payload
        at += 12 + length
        if kind == b"IEND":
            break
    expect(size is not None, "no IHDR chunk")
    width, height = size
    expect(len(zlib.decompress(pixels)) >= width * height * 3, "the pixel data is shorter than the image")
    return size


def claude_prompt(text):
    return "\n\nHuman: " + text + "\n\nAssistant:"


TEXT_FAMILIES = {
    "meta-llama2": TextFamily(
        body=lambda p, n: {"prompt": p, "temperature": 0, "max_gen_len": n},
        text=lambda r: r["generation"],
        chunk_text=lambda c: c["generation"],
        bad_body={"prompt": "Hi", "temperature": 7},
        bad_field="temperature"),
    "amazon-titan-text": TextFamily(
        body=lambda p, n: {"inputText": p, "textGenerationConfig": {"temperature": 0, "maxTokenCount": n}},
        text=lambda r: r["results"][0]["outputText"],
        chunk_text=lambda c: c["outputText"],
        bad_body={"inputText": "Hi", "textGenerationConfig": {"temperature": 7}},
        bad_field="temperature"),
    "anthropic-claude": TextFamily(
        body=lambda p, n: {"prompt": claude_prompt(p), "max_tokens_to_sample": n, "temperature": 0},
        text=lambda r: r["completion"],
        chunk_text=lambda c: c["completion"],
        bad_body={"prompt": claude_prompt("Hi"), "max_tokens_to_sample": 5, "temperature": 7},
        bad_field="temperature"),
    "ai21-j2": TextFamily(
        body=lambda p, n: {"prompt": p, "maxTokens": n, "temperature": 0},
        text=lambda r: r["completions"][0]["data"]["text"],
        chunk_text=None,
        bad_body={"prompt": "Hi", "temperature": 7},
        bad_field="temperature"),
    "cohere-command": TextFamily(
        body=lambda p, n: {"prompt": p, "max_tokens": n, "temperature": 0},
        text=lambda r: r["generations"][0]["text"],
        chunk_text=lambda c: c.get("text") or "",
        bad_body={"prompt": "Hi", "temperature": 7},
        bad_field="temperature"),
}

EMBEDDING_FAMILIES = {
    "amazon-titan-embed": EmbeddingFamily(
        body=lambda texts: {"inputText": texts[0]},
        vectors=lambda r: [r["embedding"]],
        batch=False,
        bad_body={},
        bad_field="inputText"),
    "cohere-embed": EmbeddingFamily(
        body=lambda texts: {"texts": texts, "input_type": "search_document"},
        vectors=lambda r: r["embeddings"],
        batch=True,
        bad_body={"texts": ["a cat"]},
        bad_field="input_type"),
}


def client_for(endpoint):
    client = boto3.client(
        "bedrock-runtime", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="not-a-secret",
        # One attempt: a retried error would hide what the server answered the first time.
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=10, read_timeout=60))
    sent_urls = []
    client.meta.events.register("before-send.bedrock-runtime.*", lambda request, **_: sent_urls.append(request.url))
    return client, sent_urls


def invoke(client, model_id, body):
    response = client.invoke_model(modelId=model_id, body=json.dumps(body), contentType="application/json",
                                   accept="application/json")
    return response, json.loads(response["body"].read())


def header(response, name):
    return response["ResponseMetadata"]["HTTPHeaders"][name.lower()]


def expect_validation_error(client, call, field):
    try:
        call()
    except client.exceptions.ValidationException as e:
        expect(e.response["ResponseMetadata"]["HTTPStatusCode"] == 400, e.response)
        expect(e.response["Error"]["Code"] == "ValidationException", e.response)
        message = e.response["Error"]["Message"]
        expect(field is None or field in message, "message does not name " + repr(field) + ": " + message)
        return message
    raise AssertionError("no ValidationException")


def stream_chunks(client, model_id, body):
    response = client.invoke_model_with_response_stream(modelId=model_id, body=json.dumps(body),
                                                        contentType="application/json", accept="application/json")
    expect(response["contentType"] == "application/json", response["contentType"])
    chunks = []
    for event in response["body"]:
        expect(set(event) == {"chunk"}, "an event other than a chunk: " + repr(event))
        chunks.append(json.loads(event["chunk"]["bytes"]))
    return chunks


def text_checks(checks, client, sent_urls, family_name, model_id):
    family = TEXT_FAMILIES[family_name]
    body = family.body(PROMPT, MAX_TOKENS)
    label = family_name + " " + model_id + ": "

    def unary():
        response, json_body = invoke(client, model_id, body)
        expect(response["contentType"] == "application/json", response["contentType"])
        text = family.text(json_body)
        expect(isinstance(text, str) and text, "no text in " + repr(json_body))
        expect(int(header(response, "X-Amzn-Bedrock-Input-Token-Count")) > 0, "input token count")
        expect(int(header(response, "X-Amzn-Bedrock-Output-Token-Count")) > 0, "output token count")
        expect(int(header(response, "X-Amzn-Bedrock-Invocation-Latency")) >= 0, "latency")
        expect(response["ResponseMetadata"]["RequestId"], "request id")
        return response, text

    def invoke_model():
        first = unary()[1]
        expect(unary()[1] == first, "greedy decoding gave two different texts")

    def stream():
        response, text = unary()
        chunks = stream_chunks(client, model_id, body)
        expect(chunks, "no chunks")
        streamed = "".join(family.chunk_text(c) for c in chunks)
        expect(streamed == text, "streamed " + repr(streamed) + " but InvokeModel gave " + repr(text))
        expect(all(METRICS not in c for c in chunks[:-1]), "invocation metrics before the last chunk")
        metrics = chunks[-1][METRICS]
        expect(metrics["inputTokenCount"] == int(header(response, "X-Amzn-Bedrock-Input-Token-Count")), metrics)
        expect(metrics["outputTokenCount"] == int(header(response, "X-Amzn-Bedrock-Output-Token-Count")), metrics)
        expect(0 <= metrics["firstByteLatency"] <= metrics["invocationLatency"], metrics)

    def stream_refused():
        message = expect_validation_error(client, lambda: stream_chunks(client, model_id, body), None)
        expect(message == "The model is unsupported for streaming.", message)

    def validation():
        expect_validation_error(client, lambda: invoke(client, model_id, family.bad_body), family.bad_field)
        expect_validation_error(client, lambda: invoke(client, model_id, "not a JSON object"), None)
        if family.chunk_text is not None:
            # Refused before the stream starts, so the client raises the typed error, not a stream event.
            expect_validation_error(client, lambda: stream_chunks(client, model_id, family.bad_body),
                                    family.bad_field)

    def model_ids():
        text = unary()[1]
        arn = "arn:aws:bedrock:us-east-1::foundation-model/" + model_id
        del sent_urls[:]
        expect(family.text(invoke(client, arn, body)[1]) == text, "the ARN reached another model")
        # boto3 writes the id as one path segment, ':' and '/' percent-encoded.
        expect("/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A%3Afoundation-model%2F" in sent_urls[-1], sent_urls[-1])
        expect(family.text(invoke(client, model_id + ":0", body)[1]) == text, "the versioned id reached another model")

    def unknown_model():
        try:
            invoke(client, model_id + "-nonexistent", body)
        except client.exceptions.ResourceNotFoundException as e:
            expect(e.response["ResponseMetadata"]["HTTPStatusCode"] == 404, e.response)
            return
        raise AssertionError("no ResourceNotFoundException")

    checks.run(label + "invoke_model", invoke_model)
    if family.chunk_text is not None:
        checks.run(label + "invoke_model_with_response_stream", stream)
    else:
        checks.run(label + "streaming refused", stream_refused)
    checks.run(label + "ValidationException", validation)
    checks.run(label + "ARN and versioned ids", model_ids)
    checks.run(label + "ResourceNotFoundException", unknown_model)


def embedding_checks(checks, client, sent_urls, family_name, model_id):
    family = EMBEDDING_FAMILIES[family_name]
    label = family_name + " " + model_id + ": "
    texts = ["a cat", "a kitten"] if family.batch else ["a cat"]

    def embed(mid):
        response, json_body = invoke(client, mid, family.body(texts))
        vectors = family.vectors(json_body)
        expect(len(vectors) == len(texts), "one vector per text: " + repr(json_body)[:200])
        for v in vectors:
            expect(len(v) > 0 and all(isinstance(x, float) for x in v), "a vector of floats")
        return response, vectors

    def invoke_model():
        response, vectors = embed(model_id)
        expect(int(header(response, "X-Amzn-Bedrock-Input-Token-Count")) > 0, "input token count")
        expect(header(response, "X-Amzn-Bedrock-Output-Token-Count") == "0", "output token count")
        expect(embed(model_id)[1] == vectors, "the same text gave another vector")

    def model_ids():
        vectors = embed(model_id)[1]
        del sent_urls[:]
        expect(embed("arn:aws:bedrock:us-east-1::foundation-model/" + model_id)[1] == vectors, "ARN")
        expect("%3Afoundation-model%2F" in sent_urls[-1], sent_urls[-1])

    def validation():
        expect_validation_error(client, lambda: invoke(client, model_id, family.bad_body), family.bad_field)
        message = expect_validation_error(
            client, lambda: stream_chunks(client, model_id, family.body(texts)), None)
        expect(message == "The model is unsupported for streaming.", message)

    checks.run(label + "invoke_model", invoke_model)
    checks.run(label + "ARN ids", model_ids)
    checks.run(label + "ValidationException (bad body, streaming)", validation)


def image_checks(checks, client, family_name, model_id):
    family = IMAGE_FAMILIES[family_name]
    label = family_name + " " + model_id + ": "
    prompt = "a lighthouse on a cliff at dawn"

    def generate(seed, width=1024, height=1024, samples=1):
        response, json_body = invoke(client, model_id, family.body(prompt, seed, width, height, samples))
        expect(response["contentType"] == "application/json", response["contentType"])
        expect(json_body.get("result") == "success", "result: " + repr(json_body.get("result")))
        expect(all(a["finishReason"] == "SUCCESS" for a in json_body["artifacts"]), "finishReason")
        return family.images(json_body), family.seeds(json_body)

    def invoke_model():
        images, seeds = generate(42, 1152, 896)
        expect(len(images) == 1, "one artifact")
        expect(png_size(images[0]) == (1152, 896), "PNG size " + repr(png_size(images[0])))
        expect(seeds == [42], "seed echoed: " + repr(seeds))

    def reproducible():
        first = generate(7)[0][0]
        expect(generate(7)[0][0] == first, "the same seed gave different bytes")
        expect(generate(8)[0][0] != first, "a different seed gave the same bytes")

    def samples():
        images, seeds = generate(100, samples=2)
        expect(len(images) == 2, "samples 2 gave " + str(len(images)) + " artifacts")
        expect(seeds == [100, 101], "seeds " + repr(seeds))
        expect(images[0] != images[1], "two samples are the same image")
        expect(all(png_size(i) == (1024, 1024) for i in images), "sizes")

    def random_seed():
        seeds = generate(0)[1]
        expect(seeds[0] != 0, "seed 0 must be answered with the seed picked")

    def validation():
        expect_validation_error(client, lambda: invoke(client, model_id, family.bad_body), family.bad_field)
        message = expect_validation_error(
            client, lambda: stream_chunks(client, model_id, family.body(prompt, 1, 1024, 1024, 1)), None)
        expect(message == "The model is unsupported for streaming.", message)

    checks.run(label + "invoke_model: a PNG of the requested size", invoke_model)
    checks.run(label + "same seed, same bytes; other seed, other bytes", reproducible)
    checks.run(label + "samples: 2", samples)
    checks.run(label + "seed 0 picks one", random_seed)
    checks.run(label + "ValidationException (bad body, streaming)", validation)


def main(argv):
    if len(argv) < 3 or any("=" not in a for a in argv[2:]):
        print(__doc__, file=sys.stderr)
        return 2
    client, sent_urls = client_for(argv[1])
    checks = Checks()
    for pair in argv[2:]:
        family_name, model_id = pair.split("=", 1)
        if family_name in TEXT_FAMILIES:
            text_checks(checks, client, sent_urls, family_name, model_id)
        elif family_name in EMBEDDING_FAMILIES:
            embedding_checks(checks, client, sent_urls, family_name, model_id)
        elif family_name in IMAGE_FAMILIES:
            image_checks(checks, client, family_name, model_id)
        else:
            checks.failed.append("unknown family " + family_name)
    print("boto3 %s: %d passed, %d failed" % (boto3.__version__, checks.passed, len(checks.failed)))
    if not checks.failed:
        print("all checks passed")
    return 0 if not checks.failed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
