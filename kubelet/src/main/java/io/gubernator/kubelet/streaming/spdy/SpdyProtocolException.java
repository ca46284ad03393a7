package io.gubernator.kubelet.streaming.spdy;

/** The peer broke SPDY/3.1's framing or header rules; the session cannot go on. */
public final class SpdyProtocolException extends RuntimeException {

  public SpdyProtocolException(String message) {
    super(message);
  }
}
