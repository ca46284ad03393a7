package io.gubernator.api;
