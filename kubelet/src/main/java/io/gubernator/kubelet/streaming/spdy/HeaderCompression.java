package io.gubernator.kubelet.streaming.spdy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * SPDY/3 header blocks: name/value pairs, each length-prefixed, in one zlib stream per direction
 * of a session, primed with the protocol's dictionary and flushed (not finished) after every
 * block, so each block can be read as soon as its frame arrives. One instance per session side:
 * its deflater and inflater carry state from block to block.
 */
public final class HeaderCompression {

  /** Largest decompressed header block accepted: a peer's zlib bomb stops here. */
  static final int MAX_BLOCK_BYTES = 1 << 20;

  /**
   * The SPDY/3 zlib dictionary (section 2.6.10.1 of the spec): common header names, each with a
   * 4-byte big-endian length, followed by common values run together.
   */
  static final byte[] DICTIONARY = dictionary();

  private static byte[] dictionary() {
    String[] words = {"options", "head", "post", "put", "delete", "trace", "accept", "accept-charset",
        "accept-encoding", "accept-language", "accept-ranges", "age", "allow", "authorization", "cache-control",
        "connection", "content-base", "content-encoding", "content-language", "content-length", "content-location",
        "content-md5", "content-range", "content-type", "date", "etag", "expect", "expires", "from", "host",
        "if-match", "if-modified-since", "if-none-match", "if-range", "if-unmodified-since", "last-modified",
        "location", "max-forwards", "pragma", "proxy-authenticate", "proxy-authorization", "range", "referer",
        "retry-after", "server", "te", "trailer", "transfer-encoding", "upgrade", "user-agent", "vary", "via",
        "warning", "www-authenticate", "method", "get", "status", "200 OK", "version", "HTTP/1.1", "url", "public",
        "set-cookie", "keep-alive", "origin"};
    String tail = "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505"
        + "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized"
        + "403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable"
        + "Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT"
        + "chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,"
        + "text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.";
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String w : words) {
      byte[] b = w.getBytes(StandardCharsets.ISO_8859_1);
      out.writeBytes(ByteBuffer.allocate(4).putInt(b.length).array());
      out.writeBytes(b);
    }
    out.writeBytes(tail.getBytes(StandardCharsets.ISO_8859_1));
    return out.toByteArray();
  }

  private final Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION);
  private final Inflater inflater = new Inflater();

  public HeaderCompression() {
    deflater.setDictionary(DICTIONARY);
  }

  /** The compressed block for {@code headers}; names go lowercase, as SPDY/3 requires. */
  public byte[] compress(Map<String, String> headers) {
    byte[] raw = serialize(headers);
    deflater.setInput(raw);
    ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length / 2 + 64);
    byte[] buf = new byte[4096];
    int n;
    // A SYNC_FLUSH that fills the buffer may have more to give: repeat until it comes up short.
    do {
      n = deflater.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH);
      out.write(buf, 0, n);
    } while (n == buf.length);
    return out.toByteArray();
  }

  /** The headers of a compressed block; throws {@link SpdyProtocolException} for a malformed one. */
  public Map<String, String> decompress(byte[] block) {
    inflater.setInput(block);
    ByteArrayOutputStream out = new ByteArrayOutputStream(block.length * 3 + 64);
    byte[] buf = new byte[4096];
    try {
      while (true) {
        int n = inflater.inflate(buf);
        if (n > 0) {
          out.write(buf, 0, n);
          if (out.size() > MAX_BLOCK_BYTES) throw new SpdyProtocolException("header block too large");
        } else if (inflater.needsDictionary()) {
          inflater.setDictionary(DICTIONARY);
        } else if (inflater.needsInput() || inflater.finished()) {
          break;
        }
      }
    } catch (DataFormatException e) {
      throw new SpdyProtocolException("bad header compression: " + e.getMessage());
    }
    return parse(out.toByteArray());
  }

  /** The uncompressed form: a count, then length-prefixed names and values (several values NUL-separated). */
  static byte[] serialize(Map<String, String> headers) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(ByteBuffer.allocate(4).putInt(headers.size()).array());
    headers.forEach((name, value) -> {
      for (byte[] b : new byte[][] {name.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8),
          value.getBytes(StandardCharsets.UTF_8)}) {
        out.writeBytes(ByteBuffer.allocate(4).putInt(b.length).array());
        out.writeBytes(b);
      }
    });
    return out.toByteArray();
  }

  static Map<String, String> parse(byte[] raw) {
    ByteBuffer in = ByteBuffer.wrap(raw);
    try {
      int count = in.getInt();
      if (count < 0 || count > raw.length / 8) throw new SpdyProtocolException("bad header count " + count);
      Map<String, String> headers = new LinkedHashMap<>();
      for (int i = 0; i < count; i++) {
        String name = string(in);
        if (name.isEmpty()) throw new SpdyProtocolException("empty header name");
        if (headers.put(name, string(in)) != null) throw new SpdyProtocolException("duplicate header " + name);
      }
      return headers;
    } catch (java.nio.BufferUnderflowException e) {
      throw new SpdyProtocolException("truncated header block");
    }
  }

  private static String string(ByteBuffer in) {
    int len = in.getInt();
    if (len < 0 || len > in.remaining()) throw new SpdyProtocolException("bad header length " + len);
    byte[] b = new byte[len];
    in.get(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  /** Frees the zlib state (native memory) once the session is over. */
  public void close() {
    deflater.end();
    inflater.end();
  }
}
