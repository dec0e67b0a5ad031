// Shared by the unit and rig tests: the error a promise rejects with, for assertions on its message and fields.
import { expect } from 'vitest';

/** A class of error `rejection` may check for (OrbError, Error, ...). */
type ErrorClass<E extends Error> = abstract new (...args: never[]) => E;

/**
 * Awaits `p` and returns what it rejects with, checked to be an instance of `type` (default Error);
 * fails the test when `p` resolves.
 */
export async function rejection<E extends Error = Error>(p: Promise<unknown>, type: ErrorClass<E> = Error as unknown as ErrorClass<E>): Promise<E> {
  const err = await p.then(() => new Error('expected the call to fail, but it succeeded'), (e: unknown) => e);
  expect(err).toBeInstanceOf(type);
  return err as E;
}

/** Calls `fn` and returns what it throws, checked to be an instance of `type` (default Error); fails the test when it returns. */
export function thrown<E extends Error = Error>(fn: () => unknown, type: ErrorClass<E> = Error as unknown as ErrorClass<E>): E {
  let err: unknown = new Error('expected the call to throw, but it returned');
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(type);
  return err as E;
}
