package ks;

import java.util.concurrent.ExecutionException;

/**
 * The admin scenarios' assertions: each step prints "ok STEP: detail" or
 * "FAIL STEP: what Apache Kafka answers, what came back". A failed check
 * does not stop the scenario, so one difference does not hide the next;
 * an exception a step did not expect does (later steps build on it).
 * Admin exits 1 when anything failed.
 */
final class Check {
  private Check() {}

  static int failures = 0;

  private static void failed(String msg) {
    failures++;
    System.out.println("FAIL " + msg);
    System.out.flush();
  }

  static void ok(String step, String detail) {
    System.out.println("ok " + step + ": " + detail);
    System.out.flush();
  }

  static boolean that(boolean cond, String step, String what) {
    if (!cond) failed(step + ": " + what);
    return cond;
  }

  static boolean eq(Object want, Object got, String step) {
    boolean same = want == null ? got == null : want.equals(got);
    if (!same) failed(step + ": expected " + want + ", got " + got);
    return same;
  }

  /** Runs F, which must fail with an exception whose cause is an instance of WANT. */
  static void fails(Class<? extends Throwable> want, String step, Step f) throws Exception {
    try {
      f.run();
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (want.isInstance(c)) {
        ok(step, "failed with " + c.getClass().getSimpleName());
      } else {
        failed(step + ": expected " + want.getSimpleName() + ", got " + c);
      }
      return;
    }
    failed(step + ": expected " + want.getSimpleName() + ", but it succeeded");
  }

  /**
   * Polls GET until it returns WANT, for up to 15 s: on Apache Kafka (KRaft)
   * an alter is answered before every broker applied it, so a describe
   * right after it may still show the old value.
   */
  static <T> void eventually(Object want, String step, Get<T> get) throws Exception {
    long deadline = System.currentTimeMillis() + 15000;
    Object got = get.get();
    while (want == null ? got != null : !want.equals(got)) {
      if (System.currentTimeMillis() > deadline) {
        eq(want, got, step + " (after 15 s)");
        return;
      }
      Thread.sleep(100);
      got = get.get();
    }
  }

  interface Get<T> {
    T get() throws Exception;
  }

  interface Step {
    void run() throws Exception;
  }
}
