package io.gubernator.launcher;

public final class Main {
  public static void main(String[] args) {
    System.out.println("placeholder");
  }
}
