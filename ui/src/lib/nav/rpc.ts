// How the screens in accounts/, rootcauses/, followups/, protocol/, templates/, settings/ and
// firstrun/ reach Rust: the backend's one command surface, `backend.call(name, params)`
// (crates/api/src/rpc.rs). `call` is typed from the generated command map, so a params or result
// shape that drifts from Rust fails `npm run check`. `rpc` is the untyped form, only for
// commands the table does not list yet (each use names which).
import { toApiError, type BackendCore, type CommandName, type ParamsOf, type ResultOf } from '../backend/backend';

/** The part of the backend the screens use. */
export type Caller = Pick<BackendCore, 'call'>;

/** Runs a command of the table; rejects with an ApiError (`{code, message}`) whatever went wrong. */
export async function call<K extends CommandName>(backend: Caller, name: K, params: ParamsOf<K>): Promise<ResultOf<K>> {
  try {
    return await backend.call(name, params);
  } catch (e) {
    throw toApiError(e);
  }
}

/** For a command not in the generated table yet: the caller states the result type. */
export async function rpc<T>(backend: Caller, name: string, params: object = {}): Promise<T> {
  const untyped = backend.call as unknown as (name: string, params: unknown) => Promise<unknown>;
  try {
    return (await untyped.call(backend, name, params)) as T;
  } catch (e) {
    throw toApiError(e);
  }
}

/** What to show for a failed call: the message, which names what and why. */
export function errorText(e: unknown): string {
  return toApiError(e).message;
}

/** The error code to branch on (never on the text). */
export function errorCode(e: unknown): string {
  return toApiError(e).code;
}
