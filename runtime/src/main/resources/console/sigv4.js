// AWS Signature Version 4 in the browser (WebCrypto), so the console calls a `server.auth: sigv4` server exactly as an
// SDK does: the same canonical request (the path as sent, encoded a second time as every SDK does for non-S3
// services; the query decoded and re-encoded, sorted; host and x-amz-date signed, and the session token), the same
// derived key. Credentials live in memory only — never in localStorage or sessionStorage.
"use strict";

const SigV4 = (() => {
  const utf8 = new TextEncoder();
  const REGION = "us-east-1";

  const hex = (buffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
  const sha256 = async (data) => crypto.subtle.digest("SHA-256", typeof data === "string" ? utf8.encode(data) : data);

  async function hmac(key, text) {
    const k = await crypto.subtle.importKey("raw", typeof key === "string" ? utf8.encode(key) : key,
        { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    return crypto.subtle.sign("HMAC", k, utf8.encode(text));
  }

  /** RFC 3986 percent-encoding (encodeURIComponent leaves !'()* alone; AWS does not). */
  const rfc3986 = (s) => encodeURIComponent(s).replace(/[!'()*]/g,
      (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());

  function canonicalUri(path) {
    const segments = path.split("/").filter((s) => s.length > 0 && s !== ".");
    return "/" + segments.map(rfc3986).join("/");
  }

  function canonicalQuery(search) {
    if (!search || search === "?") {
      return "";
    }
    const pairs = search.replace(/^\?/, "").split("&").filter((p) => p.length > 0).map((p) => {
      const eq = p.indexOf("=");
      const decode = (s) => decodeURIComponent(s.replace(/\+/g, "%20"));
      const name = eq < 0 ? p : p.substring(0, eq);
      const value = eq < 0 ? "" : p.substring(eq + 1);
      return [rfc3986(decode(name)), rfc3986(decode(value))];
    }).filter(([name]) => name.length > 0);
    pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    return pairs.map(([n, v]) => n + "=" + v).join("&");
  }

  const amzDate = (d) => d.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");

  /**
   * The headers that sign a request: {@code credentials} {accessKeyId, secretAccessKey, sessionToken?}; {@code url}
   * absolute; {@code body} a string or bytes (empty for none); {@code service} the signing name.
   */
  async function sign(credentials, method, url, body, service, now = new Date()) {
    const u = new URL(url);
    const date = amzDate(now);
    const day = date.substring(0, 8);
    const headers = { host: u.host, "x-amz-date": date };
    if (credentials.sessionToken) {
      headers["x-amz-security-token"] = credentials.sessionToken;
    }
    const names = Object.keys(headers).sort();
    const canonicalHeaders = names.map((n) => n + ":" + headers[n].trim() + "\n").join("");
    const signedHeaders = names.join(";");
    const payload = hex(await sha256(body || ""));
    const canonical = [method, canonicalUri(u.pathname), canonicalQuery(u.search), canonicalHeaders, signedHeaders,
      payload].join("\n");
    const scope = day + "/" + REGION + "/" + service + "/aws4_request";
    const toSign = ["AWS4-HMAC-SHA256", date, scope, hex(await sha256(canonical))].join("\n");
    let key = await hmac("AWS4" + credentials.secretAccessKey, day);
    for (const part of [REGION, service, "aws4_request"]) {
      key = await hmac(key, part);
    }
    const signature = hex(await hmac(key, toSign));
    const out = { "X-Amz-Date": date, Authorization: "AWS4-HMAC-SHA256 Credential=" + credentials.accessKeyId + "/"
        + scope + ", SignedHeaders=" + signedHeaders + ", Signature=" + signature };
    if (credentials.sessionToken) {
      out["X-Amz-Security-Token"] = credentials.sessionToken;
    }
    return out;
  }

  return { sign, canonicalUri, canonicalQuery, rfc3986, REGION };
})();
