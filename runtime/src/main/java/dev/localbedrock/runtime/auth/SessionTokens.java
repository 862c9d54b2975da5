package dev.localbedrock.runtime.auth;

import java.time.Duration;

/** Issues temporary credentials acting as a principal (STS GetSessionToken). */
@FunctionalInterface
public interface SessionTokens {
    /**
     * @param principalArn the long-term key's principal
     * @param duration how long the credentials last, or null for STS's default (12 hours)
     * @throws IllegalArgumentException a duration outside 900–129600 s, with STS's wording
     */
    IssuedCredentials issue(String principalArn, Duration duration);
}
