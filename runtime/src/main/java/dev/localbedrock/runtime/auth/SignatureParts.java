package dev.localbedrock.runtime.auth;

import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The SigV4 elements a request carries, from its {@code Authorization} header or from a presigned query string,
 * checked for form only (nothing here knows any key). A missing element is an IncompleteSignatureException that
 * names it, in AWS's words.
 *
 * @param accessKeyId the key id from the credential scope
 * @param scopeDate the {@code YYYYMMDD} of the credential scope
 * @param region the credential scope's region
 * @param service the credential scope's service
 * @param signedHeaders the client's SignedHeaders, exactly as it listed them
 * @param signature the hex signature the client sent
 * @param amzDate the signing time as the client wrote it (ISO 8601 basic), or null when only a Date header gave it
 * @param securityToken the session token the client sent, or null
 * @param expiresSeconds {@code X-Amz-Expires} of a presigned request; -1 for a header-signed one
 */
record SignatureParts(String accessKeyId, String scopeDate, String region, String service,
                      List<String> signedHeaders, String signature, String amzDate, String securityToken,
                      long expiresSeconds) {
    static final String ALGORITHM = "AWS4-HMAC-SHA256";
    /** The most a presigned URL may live, as AWS allows: seven days. */
    static final long MAX_EXPIRES_SECONDS = 604_800;

    boolean presigned() {
        return expiresSeconds >= 0;
    }

    /** Parses {@code AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…}. */
    static SignatureParts fromHeader(String authorization, String amzDate, String securityToken) {
        String rest = authorization.substring(ALGORITHM.length());
        String credential = null;
        String signedHeaders = null;
        String signature = null;
        for (String element : rest.split(",")) {
            String part = element.trim();
            int eq = part.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String name = part.substring(0, eq).trim();
            String value = part.substring(eq + 1).trim();
            switch (name) {
                case "Credential" -> credential = value;
                case "SignedHeaders" -> signedHeaders = value;
                case "Signature" -> signature = value;
                default -> { }
            }
        }
        StringBuilder missing = new StringBuilder();
        if (credential == null || credential.isEmpty()) {
            missing.append("Authorization header requires 'Credential' parameter. ");
        }
        if (signature == null || signature.isEmpty()) {
            missing.append("Authorization header requires 'Signature' parameter. ");
        }
        if (signedHeaders == null || signedHeaders.isEmpty()) {
            missing.append("Authorization header requires 'SignedHeaders' parameter. ");
        }
        if (amzDate == null) {
            missing.append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ");
        }
        if (missing.length() > 0) {
            throw incomplete(missing.toString().trim());
        }
        return of(credential, signedHeaders, signature, amzDate, securityToken, -1);
    }

    /** Parses the {@code X-Amz-*} parameters of a presigned request from its raw (still encoded) query. */
    static SignatureParts fromQuery(String rawQuery) {
        String algorithm = null;
        String credential = null;
        String date = null;
        String expires = null;
        String signedHeaders = null;
        String signature = null;
        String token = null;
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            switch (name) {
                case "X-Amz-Algorithm" -> algorithm = value;
                case "X-Amz-Credential" -> credential = value;
                case "X-Amz-Date" -> date = value;
                case "X-Amz-Expires" -> expires = value;
                case "X-Amz-SignedHeaders" -> signedHeaders = value;
                case "X-Amz-Signature" -> signature = value;
                case "X-Amz-Security-Token" -> token = value;
                default -> { }
            }
        }
        if (isBlank(algorithm) || isBlank(credential) || isBlank(signature) || isBlank(date)
                || isBlank(signedHeaders)) {
            throw incomplete("AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', "
                    + "'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders'. Re-examine the query-string "
                    + "parameters.");
        }
        if (!algorithm.equals(ALGORITHM)) {
            throw incomplete("X-Amz-Algorithm only supports \"" + ALGORITHM + "\"");
        }
        long expiresSeconds = MAX_EXPIRES_SECONDS;
        if (expires != null) {
            try {
                expiresSeconds = Long.parseLong(expires);
            } catch (NumberFormatException e) {
                expiresSeconds = -1;
            }
            if (expiresSeconds < 1 || expiresSeconds > MAX_EXPIRES_SECONDS) {
                throw incomplete("X-Amz-Expires must be a whole number of seconds from 1 to " + MAX_EXPIRES_SECONDS
                        + " (seven days)");
            }
        }
        return of(credential, signedHeaders, signature, date, token, expiresSeconds);
    }

    private static SignatureParts of(String credential, String signedHeaders, String signature, String amzDate,
                                     String securityToken, long expiresSeconds) {
        String[] scope = credential.split("/", -1);
        if (scope.length != 5 || scope[0].isEmpty()) {
            throw incomplete("Credential must have exactly 5 slash-delimited elements, e.g. "
                    + "keyid/date/region/service/aws4_request");
        }
        if (!scope[4].equals("aws4_request")) {
            throw incomplete("Credential should be scoped with a valid terminator: 'aws4_request', not '"
                    + scope[4] + "'.");
        }
        if (scope[2].isEmpty()) {
            throw incomplete("Credential should be scoped to a valid region.");
        }
        if (scope[3].isEmpty()) {
            throw incomplete("Credential should be scoped to a valid service.");
        }
        List<String> headers = new ArrayList<>();
        for (String name : signedHeaders.split(";", -1)) {
            if (name.isEmpty() || !name.equals(name.toLowerCase(java.util.Locale.ROOT)) || name.contains(" ")) {
                throw incomplete("SignedHeaders must be a semicolon-separated list of lowercase header names");
            }
            headers.add(name);
        }
        if (!headers.contains("host") && !headers.contains(":authority")) {
            throw incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
        }
        return new SignatureParts(scope[0], scope[1], scope[2], scope[3], List.copyOf(headers), signature, amzDate,
                securityToken, expiresSeconds);
    }

    /** The credential scope as the string to sign holds it. */
    String scope() {
        return scopeDate + "/" + region + "/" + service + "/aws4_request";
    }

    static BedrockException incomplete(String message) {
        return new BedrockException(BedrockErrorType.INCOMPLETE_SIGNATURE, message);
    }

    private static boolean isBlank(String s) {
        return s == null || s.isEmpty();
    }

    /** Percent-decodes a query component to UTF-8 text ({@code +} stays a plus; a stray {@code %} stays too). */
    static String decode(String component) {
        if (component.indexOf('%') < 0) {
            return component;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(component.length());
        for (int i = 0; i < component.length(); i++) {
            char c = component.charAt(i);
            int hi = i + 2 < component.length() ? CanonicalRequest.hexValue(component.charAt(i + 1)) : -1;
            int lo = i + 2 < component.length() ? CanonicalRequest.hexValue(component.charAt(i + 2)) : -1;
            if (c == '%' && hi >= 0 && lo >= 0) {
                bytes.write(hi << 4 | lo);
                i += 2;
            } else {
                byte[] utf8 = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bytes.write(utf8, 0, utf8.length);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
