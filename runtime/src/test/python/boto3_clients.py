#!/usr/bin/env python3
"""The unchanged boto3 client against a running Local Bedrock server, one model family at a time.

Usage: boto3_clients.py ENDPOINT FAMILY=MODEL_ID [FAMILY=MODEL_ID ...]

Needs boto3 and, for a boto3 older than Bedrock (Debian's), AWS_DATA_PATH pointing at the bedrock-runtime service
model. Each family is one entry in TEXT_FAMILIES or EMBEDDING_FAMILIES below: how its request body is written and
where its response and stream chunks keep the text or vectors. Every check runs for every family named on the
command line. Exits 0 only when every check passed; the last line says how many passed and failed.
"""

import json
import sys
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
        else:
            checks.failed.append("unknown family " + family_name)
    print("boto3 %s: %d passed, %d failed" % (boto3.__version__, checks.passed, len(checks.failed)))
    if not checks.failed:
        print("all checks passed")
    return 0 if not checks.failed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
