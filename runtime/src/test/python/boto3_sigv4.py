"""Calls a server in `auth: sigv4` mode with the unchanged boto3, over plain HTTP and over HTTPS.

Usage: python3 boto3_sigv4.py HTTP_ENDPOINT HTTPS_ENDPOINT CERT_PEM MODEL_ID
Environment: KEY_ID, SECRET (a key allowed to invoke MODEL_ID, both ways); DENIED_KEY_ID, DENIED_SECRET,
DENIED_PRINCIPAL_ARN (a key whose policies do not allow MODEL_ID).
Also turns the key into temporary credentials with boto3's STS client (GetSessionToken) and invokes with them.
Prints `generation: <JSON string>` per endpoint and exits non-zero on the first broken expectation.
"""
import json
import os
import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

http_endpoint, https_endpoint, cert, model_id = sys.argv[1:5]
BODY = json.dumps({"prompt": "Hello world", "temperature": 0, "max_gen_len": 12})
MODEL_ARN = "arn:aws:bedrock:us-east-1::foundation-model/" + model_id


def client(endpoint, key_id, secret):
    return boto3.client("bedrock-runtime", region_name="us-east-1", endpoint_url=endpoint,
                        verify=cert if endpoint.startswith("https") else None,
                        aws_access_key_id=key_id, aws_secret_access_key=secret,
                        config=Config(retries={"max_attempts": 1}))


def refused(code, call):
    try:
        call()
    except ClientError as e:
        error = e.response["Error"]
        assert error["Code"] == code, (code, e.response)
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 403, e.response
        return error["Message"]
    raise AssertionError("expected " + code + ", the call succeeded")


for endpoint in (http_endpoint, https_endpoint):
    c = client(endpoint, os.environ["KEY_ID"], os.environ["SECRET"])
    unary = json.loads(c.invoke_model(modelId=model_id, body=BODY, contentType="application/json")["body"].read())
    assert isinstance(unary["generation"], str) and unary["generation_token_count"] >= 1, unary
    streamed = c.invoke_model_with_response_stream(modelId=model_id, body=BODY, contentType="application/json")
    text = "".join(json.loads(event["chunk"]["bytes"])["generation"] for event in streamed["body"])
    assert text == unary["generation"], (text, unary["generation"])

    secret = os.environ["SECRET"]
    forged = client(endpoint, os.environ["KEY_ID"], secret[:-1] + ("B" if secret.endswith("A") else "A"))
    message = refused("InvalidSignatureException", lambda: forged.invoke_model(modelId=model_id, body=BODY))
    assert "signature" in message.lower(), message
    refused("InvalidSignatureException",
            lambda: forged.invoke_model_with_response_stream(modelId=model_id, body=BODY))

    denied = client(endpoint, os.environ["DENIED_KEY_ID"], os.environ["DENIED_SECRET"])
    for operation, call in (
            ("bedrock:InvokeModel", lambda: denied.invoke_model(modelId=model_id, body=BODY)),
            ("bedrock:InvokeModelWithResponseStream",
             lambda: denied.invoke_model_with_response_stream(modelId=model_id, body=BODY))):
        message = refused("AccessDeniedException", call)
        expected = ("User: " + os.environ["DENIED_PRINCIPAL_ARN"] + " is not authorized to perform: " + operation
                    + " on resource: " + MODEL_ARN)
        assert message.startswith(expected), (expected, message)
    print("generation: " + json.dumps(unary["generation"]))

# STS through boto3's own client: temporary credentials from GetSessionToken invoke as the same principal.
sts = boto3.client("sts", region_name="us-east-1", endpoint_url=http_endpoint, aws_access_key_id=os.environ["KEY_ID"],
                   aws_secret_access_key=os.environ["SECRET"], config=Config(retries={"max_attempts": 1}))
credentials = sts.get_session_token(DurationSeconds=900)["Credentials"]
assert credentials["AccessKeyId"].startswith("ASIA"), credentials["AccessKeyId"]
session = boto3.client("bedrock-runtime", region_name="us-east-1", endpoint_url=http_endpoint,
                       aws_access_key_id=credentials["AccessKeyId"],
                       aws_secret_access_key=credentials["SecretAccessKey"],
                       aws_session_token=credentials["SessionToken"], config=Config(retries={"max_attempts": 1}))
deadline = time.time() + 10  # a new key reaches the server's cache within its one-second poll
while True:
    try:
        session_text = json.loads(session.invoke_model(modelId=model_id, body=BODY,
                                                       contentType="application/json")["body"].read())["generation"]
        break
    except ClientError as e:
        if time.time() > deadline or e.response["ResponseMetadata"]["HTTPStatusCode"] != 403:
            raise
        time.sleep(0.2)
assert session_text == unary["generation"], (session_text, unary["generation"])
print("sts session: ok")

print("boto3 sigv4: all checks passed over http and https")
