package io.gubernator.bench;
