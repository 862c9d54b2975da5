/**
 * The certificate a TLS port presents: the operator's PEM files, or a self-signed one generated once under the
 * cache folder and found again on every later start (docs/tls.md).
 */
package dev.localbedrock.runtime.tls;
