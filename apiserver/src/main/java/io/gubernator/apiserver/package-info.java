package io.gubernator.apiserver;
