package dev.localbedrock.codecs;

/**
 * The bedrock-runtime error shapes: the name the SDKs map to a typed exception (sent in {@code X-Amzn-ErrorType}),
 * the HTTP status the service model gives it, and the union member name used for {@code :exception-type} inside an
 * event stream (lowerCamel, as the real service sends).
 */
public enum BedrockErrorType {
    VALIDATION("ValidationException", 400),
    SERVICE_QUOTA_EXCEEDED("ServiceQuotaExceededException", 400),
    TOO_MANY_TAGS("TooManyTagsException", 400),
    ACCESS_DENIED("AccessDeniedException", 403),
    /** SigV4: the access key id is not one the server knows. */
    UNRECOGNIZED_CLIENT("UnrecognizedClientException", 403),
    /** SigV4: the signature does not match, or the request was signed too far from now ("Signature expired"). */
    INVALID_SIGNATURE("InvalidSignatureException", 403),
    /** SigV4: an Authorization header (or presigned query) that lacks a part SigV4 requires. */
    INCOMPLETE_SIGNATURE("IncompleteSignatureException", 403),
    /** SigV4: no Authorization header and no presigned query at all. */
    MISSING_AUTHENTICATION_TOKEN("MissingAuthenticationTokenException", 403),
    /** SigV4: temporary credentials whose session has ended. */
    EXPIRED_TOKEN("ExpiredTokenException", 403),
    RESOURCE_NOT_FOUND("ResourceNotFoundException", 404),
    CONFLICT("ConflictException", 409),
    MODEL_TIMEOUT("ModelTimeoutException", 408),
    MODEL_ERROR("ModelErrorException", 424),
    MODEL_STREAM_ERROR("ModelStreamErrorException", 424),
    /** bedrock-agent-runtime: something the agent depends on (an action group's function) failed. */
    DEPENDENCY_FAILED("DependencyFailedException", 424),
    THROTTLING("ThrottlingException", 429),
    MODEL_NOT_READY("ModelNotReadyException", 429),
    INTERNAL_SERVER("InternalServerException", 500),
    SERVICE_UNAVAILABLE("ServiceUnavailableException", 503);

    private final String shapeName;
    private final int httpStatus;

    BedrockErrorType(String shapeName, int httpStatus) {
        this.shapeName = shapeName;
        this.httpStatus = httpStatus;
    }

    /** The value of {@code X-Amzn-ErrorType}. */
    public String shapeName() {
        return shapeName;
    }

    public int httpStatus() {
        return httpStatus;
    }

    /** The {@code :exception-type} of a stream exception message: the shape name in lowerCamel. */
    public String streamMemberName() {
        return Character.toLowerCase(shapeName.charAt(0)) + shapeName.substring(1);
    }
}
