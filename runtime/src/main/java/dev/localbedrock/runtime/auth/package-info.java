/**
 * Who is calling: SigV4 verification ({@code SigV4Verifier}), the principals, access keys and temporary credentials
 * kept sealed in the state database ({@code SecurityStore}, {@code PrincipalDirectory}, {@code SecretSealer}), and
 * the one gate every call passes before it runs ({@code AccessGate}, started by {@code ServerSecurity} for the
 * configured {@code server.auth} mode). Runs on decode threads, never the event loop. No HTTP types: the HTTP layer
 * hands it a {@code SignedRequest}.
 */
package dev.localbedrock.runtime.auth;
