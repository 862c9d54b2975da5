#!/usr/bin/env python3
"""The unchanged boto3 `bedrock` control-plane client against a running Local Bedrock server.

Usage: boto3_control_plane.py ENDPOINT NAME_PREFIX MODEL_ID=TEXT|EMBEDDING|IMAGE [MODEL_ID=TEXT|EMBEDDING|IMAGE ...]

The MODEL_ID=KIND pairs are every model the server serves, and nothing else: ListFoundationModels must answer
exactly those. The first TEXT model must be a meta-llama2 model: provisioned throughput is bought for it and invoked
through bedrock-runtime. NAME_PREFIX starts every provisioned model name this run creates, so that several runs can
share one server (each filters its lists by it).

Needs boto3 and, for a boto3 older than Bedrock (Debian's), AWS_DATA_PATH pointing at the bedrock and
bedrock-runtime service models. Exits 0 only when every check passed; the last line says how many passed and failed.
"""

import datetime
import json
import re
import sys
import time

import boto3
import botocore.exceptions
from botocore.config import Config

from checks import Checks, expect, expect_equal

REGION = "us-east-1"
FOUNDATION_ARN = "arn:aws:bedrock:us-east-1::foundation-model/"
PROVISIONED_ARN = re.compile(r"arn:aws:bedrock:us-east-1:\d{12}:provisioned-model/[a-z0-9]{12}")
# Bedrock's provider names, by the model id's first part.
PROVIDERS = {"amazon": "Amazon", "anthropic": "Anthropic", "ai21": "AI21 Labs", "cohere": "Cohere", "meta": "Meta",
             "stability": "Stability AI"}


def client(service, endpoint):
    return boto3.client(
        service, endpoint_url=endpoint, region_name=REGION,
        aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="not-a-secret",
        # One attempt: a retried error would hide what the server answered the first time.
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=10, read_timeout=60))


def status(response):
    return response["ResponseMetadata"]["HTTPStatusCode"]


def expect_error(call, code, http_status, field=None):
    """The call raises botocore's ClientError with this code and status (and a message naming the field)."""
    try:
        call()
    except botocore.exceptions.ClientError as e:
        error = e.response["Error"]
        expect_equal(error["Code"], code, "error code")
        expect_equal(status(e.response), http_status, "HTTP status of " + code)
        expect_equal(e.response["ResponseMetadata"]["HTTPHeaders"].get("x-amzn-errortype", "").split(":")[0],
                     code, "x-amzn-ErrorType")
        message = error.get("Message", "")
        expect(message, "an empty message")
        expect(field is None or field in message, "message does not name " + repr(field) + ": " + message)
        return e
    raise AssertionError("no " + code)


def ids(summaries):
    return sorted(m["modelId"] for m in summaries)


def foundation_model_checks(checks, bedrock, models):
    text_ids = sorted(m for m, kind in models.items() if kind == "TEXT")
    embedding_ids = sorted(m for m, kind in models.items() if kind == "EMBEDDING")
    image_ids = sorted(m for m, kind in models.items() if kind == "IMAGE")
    text_model = [m for m in models if models[m] == "TEXT"][0]

    def list_all():
        response = bedrock.list_foundation_models()
        expect_equal(status(response), 200, "status")
        summaries = response["modelSummaries"]
        expect_equal(ids(summaries), sorted(models), "the served models")
        for m in summaries:
            model_id = m["modelId"]
            expect_equal(m["modelArn"], FOUNDATION_ARN + model_id, model_id + " modelArn")
            expect_equal(m["providerName"], PROVIDERS[model_id.split(".")[0]], model_id + " providerName")
            expect_equal(m["inputModalities"], ["TEXT"], model_id + " inputModalities")
            expect_equal(m["outputModalities"], [models[model_id]], model_id + " outputModalities")
            expect_equal(m["inferenceTypesSupported"], ["ON_DEMAND"], model_id + " inferenceTypesSupported")
            expect_equal(m["modelLifecycle"]["status"], "ACTIVE", model_id + " lifecycle")
            expect(isinstance(m["responseStreamingSupported"], bool), model_id + " responseStreamingSupported")
            if models[model_id] in ("EMBEDDING", "IMAGE"):
                expect(not m["responseStreamingSupported"], model_id + " is said to stream")

    def by_provider():
        # byProvider compares case-insensitively, as Bedrock's does.
        expect_equal(ids(bedrock.list_foundation_models(byProvider="meta")["modelSummaries"]),
                     sorted(m for m in models if m.startswith("meta.")), "byProvider=meta")
        expect_equal(ids(bedrock.list_foundation_models(byProvider="Cohere")["modelSummaries"]),
                     sorted(m for m in models if m.startswith("cohere.")), "byProvider=Cohere")
        expect_equal(ids(bedrock.list_foundation_models(byProvider="Stability AI")["modelSummaries"]),
                     sorted(m for m in models if m.startswith("stability.")), "byProvider=Stability AI")
        expect_equal(bedrock.list_foundation_models(byProvider="Mistral AI")["modelSummaries"], [],
                     "a provider with no served model")

    def by_output_modality():
        expect_equal(ids(bedrock.list_foundation_models(byOutputModality="EMBEDDING")["modelSummaries"]),
                     embedding_ids, "byOutputModality=EMBEDDING")
        expect_equal(ids(bedrock.list_foundation_models(byOutputModality="TEXT")["modelSummaries"]),
                     text_ids, "byOutputModality=TEXT")
        expect_equal(ids(bedrock.list_foundation_models(byOutputModality="TEXT", byProvider="amazon")
                         ["modelSummaries"]), sorted(m for m in text_ids if m.startswith("amazon.")),
                     "byOutputModality=TEXT and byProvider=amazon")
        expect_equal(ids(bedrock.list_foundation_models(byOutputModality="IMAGE")["modelSummaries"]),
                     image_ids, "byOutputModality=IMAGE")

    def bad_filters():
        # botocore does not check enums or patterns: the server refuses them.
        expect_error(lambda: bedrock.list_foundation_models(byOutputModality="VIDEO"),
                     "ValidationException", 400, "byOutputModality")
        expect_error(lambda: bedrock.list_foundation_models(byProvider="no/slash"),
                     "ValidationException", 400, "byProvider")

    def get_model():
        response = bedrock.get_foundation_model(modelIdentifier=text_model)
        expect_equal(status(response), 200, "status")
        details = response["modelDetails"]
        expect_equal(details["modelId"], text_model, "modelId")
        expect_equal(details["modelArn"], FOUNDATION_ARN + text_model, "modelArn")
        expect_equal(details["providerName"], PROVIDERS[text_model.split(".")[0]], "providerName")
        expect_equal(details["outputModalities"], ["TEXT"], "outputModalities")
        # boto3 percent-encodes the ARN's ':' and '/' into the one path segment.
        expect_equal(bedrock.get_foundation_model(modelIdentifier=details["modelArn"])["modelDetails"], details,
                     "the same model by its ARN")
        embedding = bedrock.get_foundation_model(modelIdentifier=embedding_ids[0])["modelDetails"]
        expect_equal(embedding["outputModalities"], ["EMBEDDING"], embedding_ids[0] + " outputModalities")

    def unknown_model():
        e = expect_error(lambda: bedrock.get_foundation_model(modelIdentifier="meta.no-such-model-v1"),
                         "ResourceNotFoundException", 404, "meta.no-such-model-v1")
        expect(isinstance(e, bedrock.exceptions.ResourceNotFoundException), "not the modelled class: " + repr(e))

    checks.run("list_foundation_models", list_all)
    checks.run("list_foundation_models byProvider", by_provider)
    checks.run("list_foundation_models byOutputModality", by_output_modality)
    checks.run("list_foundation_models bad filters: ValidationException", bad_filters)
    checks.run("get_foundation_model by id and ARN", get_model)
    checks.run("get_foundation_model unknown: ResourceNotFoundException", unknown_model)


def llama_text(runtime, model_id):
    response = runtime.invoke_model(modelId=model_id, contentType="application/json", accept="application/json",
                                    body=json.dumps({"prompt": "Hello world", "temperature": 0, "max_gen_len": 4}))
    return json.loads(response["body"].read())["generation"]


def provisioned_checks(checks, bedrock, runtime, prefix, model_id):
    name_a, name_b = prefix + "-pt-a", prefix + "-pt-b"
    token = prefix + "-token-a"
    created = {}
    before = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=5)

    def create():
        response = bedrock.create_provisioned_model_throughput(
            provisionedModelName=name_a, modelId=model_id, modelUnits=1, clientRequestToken=token,
            tags=[{"key": "team", "value": prefix}])
        expect_equal(status(response), 201, "Create's status")
        arn = response["provisionedModelArn"]
        expect(PROVISIONED_ARN.fullmatch(arn), "not a provisioned-model ARN: " + arn)
        created["a"] = arn
        again = bedrock.create_provisioned_model_throughput(
            provisionedModelName=name_a, modelId=model_id, modelUnits=1, clientRequestToken=token,
            tags=[{"key": "team", "value": prefix}])
        expect_equal(again["provisionedModelArn"], arn, "the same clientRequestToken's ARN")
        expect_equal(bedrock.list_tags_for_resource(resourceARN=arn)["tags"], [{"key": "team", "value": prefix}],
                     "tags given at creation")
        # boto3 fills in a fresh clientRequestToken itself: the name is taken.
        expect_error(lambda: bedrock.create_provisioned_model_throughput(
            provisionedModelName=name_a, modelId=model_id, modelUnits=1), "ConflictException", 409, name_a)
        # The state keeps creation times to the millisecond: a later millisecond makes "oldest first" one order.
        time.sleep(0.01)
        # The foundation model by its ARN, with two model units.
        created["b"] = bedrock.create_provisioned_model_throughput(
            provisionedModelName=name_b, modelId=FOUNDATION_ARN + model_id, modelUnits=2)["provisionedModelArn"]
        expect(created["b"] != arn, "two provisioned models share an ARN")

    def get():
        arn = created["a"]
        by_arn = bedrock.get_provisioned_model_throughput(provisionedModelId=arn)
        expect_equal(status(by_arn), 200, "status")
        expect_equal([by_arn[k] for k in ("provisionedModelName", "provisionedModelArn", "modelUnits",
                                          "desiredModelUnits", "status", "modelArn", "desiredModelArn",
                                          "foundationModelArn")],
                     [name_a, arn, 1, 1, "InService", FOUNDATION_ARN + model_id, FOUNDATION_ARN + model_id,
                      FOUNDATION_ARN + model_id], "GetProvisionedModelThroughput by ARN")
        expect("commitmentDuration" not in by_arn, "no commitment was asked for: " + repr(by_arn))
        # botocore parses the ISO-8601 timestamps into aware datetimes.
        for field in ("creationTime", "lastModifiedTime"):
            expect(isinstance(by_arn[field], datetime.datetime) and by_arn[field] >= before,
                   field + ": " + repr(by_arn[field]))
        by_name = bedrock.get_provisioned_model_throughput(provisionedModelId=name_a)
        expect_equal([by_name["provisionedModelArn"], by_name["creationTime"]],
                     [arn, by_arn["creationTime"]], "the same model by its name")
        expect_equal(bedrock.get_provisioned_model_throughput(provisionedModelId=name_b)["modelUnits"], 2,
                     name_b + " modelUnits")

    def list_pages():
        mine = prefix + "-pt-"
        first = bedrock.list_provisioned_model_throughputs(nameContains=mine, maxResults=1)
        expect_equal(len(first["provisionedModelSummaries"]), 1, "page 1's size")
        expect("nextToken" in first, "no nextToken after page 1 of 2")
        second = bedrock.list_provisioned_model_throughputs(nameContains=mine, maxResults=1,
                                                            nextToken=first["nextToken"])
        expect_equal(len(second["provisionedModelSummaries"]), 1, "page 2's size")
        expect("nextToken" not in second, "a nextToken after the last page: " + repr(second.get("nextToken")))
        pages = first["provisionedModelSummaries"] + second["provisionedModelSummaries"]
        expect_equal([(p["provisionedModelName"], p["provisionedModelArn"], p["modelUnits"], p["status"])
                      for p in pages],
                     [(name_a, created["a"], 1, "InService"), (name_b, created["b"], 2, "InService")],
                     "both pages, oldest first")
        expect_equal([p["provisionedModelName"] for p in bedrock.list_provisioned_model_throughputs(
            nameContains=mine, sortBy="CreationTime", sortOrder="Descending")["provisionedModelSummaries"]],
            [name_b, name_a], "newest first")
        expect_equal(bedrock.list_provisioned_model_throughputs(nameContains=mine, statusEquals="Failed")
                     ["provisionedModelSummaries"], [], "statusEquals=Failed")

    def invoke():
        on_demand = llama_text(runtime, model_id)
        expect(on_demand, "no text on demand")
        expect_equal(llama_text(runtime, created["a"]), on_demand, "greedy text through the provisioned ARN")
        expect_equal(llama_text(runtime, name_a), on_demand, "greedy text through the provisioned name")

    def delete():
        arn = created["a"]
        expect_equal(status(bedrock.delete_provisioned_model_throughput(provisionedModelId=arn)), 200,
                     "Delete's status")
        e = expect_error(lambda: bedrock.get_provisioned_model_throughput(provisionedModelId=arn),
                         "ResourceNotFoundException", 404)
        expect(isinstance(e, bedrock.exceptions.ResourceNotFoundException), "not the modelled class: " + repr(e))
        expect_error(lambda: bedrock.get_provisioned_model_throughput(provisionedModelId=name_a),
                     "ResourceNotFoundException", 404)
        expect_error(lambda: bedrock.delete_provisioned_model_throughput(provisionedModelId=arn),
                     "ResourceNotFoundException", 404)
        expect_error(lambda: llama_text(runtime, arn), "ResourceNotFoundException", 404)
        bedrock.delete_provisioned_model_throughput(provisionedModelId=name_b)
        expect_equal(bedrock.list_provisioned_model_throughputs(nameContains=prefix + "-pt-")
                     ["provisionedModelSummaries"], [], "what is left after both deletes")

    def errors():
        expect_error(lambda: bedrock.create_provisioned_model_throughput(
            provisionedModelName=prefix + "-x", modelId="meta.no-such-model-v1", modelUnits=1),
            "ResourceNotFoundException", 404)
        # botocore does not check enums: the server refuses the duration.
        expect_error(lambda: bedrock.create_provisioned_model_throughput(
            provisionedModelName=prefix + "-y", modelId=model_id, modelUnits=1, commitmentDuration="TwoYears"),
            "ValidationException", 400, "commitmentDuration")
        expect_error(lambda: bedrock.create_provisioned_model_throughput(
            provisionedModelName="not a name!", modelId=model_id, modelUnits=1),
            "ValidationException", 400, "provisionedModelName")
        expect_error(lambda: bedrock.list_provisioned_model_throughputs(sortOrder="Sideways"),
                     "ValidationException", 400, "sortOrder")
        # modelUnits has a minimum of 1 in the service model: boto3 refuses 0 before sending anything.
        try:
            bedrock.create_provisioned_model_throughput(provisionedModelName=prefix + "-z", modelId=model_id,
                                                        modelUnits=0)
            raise AssertionError("modelUnits=0 was accepted")
        except botocore.exceptions.ParamValidationError as e:
            expect("modelUnits" in str(e), str(e))
        expect_equal([p["provisionedModelName"] for p in bedrock.list_provisioned_model_throughputs(
            nameContains=prefix)["provisionedModelSummaries"] if p["provisionedModelName"] != name_a
            and p["provisionedModelName"] != name_b], [], "a refused Create left a provisioned model")

    def commitment():
        name = prefix + "-held"
        arn = bedrock.create_provisioned_model_throughput(provisionedModelName=name, modelId=model_id, modelUnits=1,
                                                          commitmentDuration="OneMonth")["provisionedModelArn"]
        got = bedrock.get_provisioned_model_throughput(provisionedModelId=arn)
        expect_equal(got["commitmentDuration"], "OneMonth", "commitmentDuration")
        expires = got["commitmentExpirationTime"] - got["creationTime"]
        expect(datetime.timedelta(days=28) <= expires <= datetime.timedelta(days=31), "a month: " + str(expires))
        expect_error(lambda: bedrock.delete_provisioned_model_throughput(provisionedModelId=arn),
                     "ConflictException", 409, name)
        expect_equal(bedrock.get_provisioned_model_throughput(provisionedModelId=arn)["status"], "InService",
                     "a refused Delete left it in service")

    checks.run("create_provisioned_model_throughput (201, tags, clientRequestToken, ConflictException)", create)
    if "a" not in created or "b" not in created:
        return
    checks.run("get_provisioned_model_throughput by ARN and name", get)
    checks.run("list_provisioned_model_throughputs pages (maxResults=1, nextToken) and sort", list_pages)
    checks.run("invoke_model by provisioned ARN and name", invoke)
    checks.run("delete_provisioned_model_throughput, then ResourceNotFoundException", delete)
    checks.run("create errors: ResourceNotFoundException, ValidationException, ParamValidationError", errors)
    checks.run("a commitment term refuses Delete: ConflictException", commitment)


def main(argv):
    if len(argv) < 4 or any(not re.fullmatch(r"[^=]+=(TEXT|EMBEDDING|IMAGE)", a) for a in argv[3:]):
        print(__doc__, file=sys.stderr)
        return 2
    endpoint, prefix = argv[1], argv[2]
    models = dict(a.split("=", 1) for a in argv[3:])
    text_models = [m for m in models if models[m] == "TEXT"]
    expect(text_models and text_models[0].startswith("meta.llama2"), "the first TEXT model must be a Llama 2")
    bedrock, runtime = client("bedrock", endpoint), client("bedrock-runtime", endpoint)
    checks = Checks()
    foundation_model_checks(checks, bedrock, models)
    provisioned_checks(checks, bedrock, runtime, prefix, text_models[0])
    print("boto3 %s botocore %s: %d passed, %d failed"
          % (boto3.__version__, botocore.__version__, checks.passed, len(checks.failed)))
    if not checks.failed:
        print("all checks passed")
    return 0 if not checks.failed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
