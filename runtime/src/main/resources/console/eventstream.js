// The AWS event-stream framing (application/vnd.amazon.eventstream), decoded in the browser, so the console streams
// over the same InvokeModelWithResponseStream response the SDKs read instead of a console-only variant.
// A message: total length (u32), headers length (u32), prelude CRC32 (u32), headers, payload, message CRC32 (u32).
// A header: name length (u8), name, type (u8; 7 = string: u16 length then UTF-8), value.
"use strict";

const EventStream = (() => {
  const CRC_TABLE = (() => {
    const t = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) {
        c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      }
      t[n] = c >>> 0;
    }
    return t;
  })();

  function crc32(bytes, start, end) {
    let c = 0xffffffff;
    for (let i = start; i < end; i++) {
      c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
    }
    return (c ^ 0xffffffff) >>> 0;
  }

  const utf8 = new TextDecoder("utf-8");

  function headers(bytes, view, start, end) {
    const out = {};
    let i = start;
    while (i < end) {
      const nameLength = bytes[i];
      const name = utf8.decode(bytes.subarray(i + 1, i + 1 + nameLength));
      i += 1 + nameLength;
      const type = bytes[i++];
      if (type !== 7) {
        throw new Error("event-stream header " + name + " has type " + type + "; only strings are expected here");
      }
      const length = view.getUint16(i);
      out[name] = utf8.decode(bytes.subarray(i + 2, i + 2 + length));
      i += 2 + length;
    }
    return out;
  }

  /** Splits arriving bytes into messages ({headers, payload}), however the network cuts them. */
  class Decoder {
    constructor() {
      this.buffer = new Uint8Array(0);
    }

    push(chunk) {
      const joined = new Uint8Array(this.buffer.length + chunk.length);
      joined.set(this.buffer, 0);
      joined.set(chunk, this.buffer.length);
      this.buffer = joined;
      const messages = [];
      while (this.buffer.length >= 12) {
        const view = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.byteLength);
        const total = view.getUint32(0);
        const headerLength = view.getUint32(4);
        if (view.getUint32(8) !== crc32(this.buffer, 0, 8)) {
          throw new Error("event-stream prelude checksum mismatch");
        }
        if (this.buffer.length < total) {
          break;
        }
        if (view.getUint32(total - 4) !== crc32(this.buffer, 0, total - 4)) {
          throw new Error("event-stream message checksum mismatch");
        }
        messages.push({
          headers: headers(this.buffer, view, 12, 12 + headerLength),
          payload: this.buffer.slice(12 + headerLength, total - 4),
        });
        this.buffer = this.buffer.slice(total);
      }
      return messages;
    }
  }

  /** A chunk event's payload, {"bytes": base64 of the family's chunk JSON}, as that JSON. */
  function chunkJson(payload) {
    const wrapper = JSON.parse(utf8.decode(payload));
    const binary = atob(wrapper.bytes);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) {
      bytes[i] = binary.charCodeAt(i);
    }
    return JSON.parse(utf8.decode(bytes));
  }

  return { Decoder, chunkJson, crc32 };
})();
