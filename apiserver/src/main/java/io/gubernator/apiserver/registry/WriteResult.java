package io.gubernator.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** The object a write produced, the HTTP code to answer with, and warnings for the client. */
public record WriteResult(ObjectNode object, int code, List<String> warnings) {}
