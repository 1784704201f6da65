// Shared helpers for the Better Auth scripts: build a real Better Auth
// instance with the jwt plugin under a given secret environment.
import { readFileSync } from "node:fs";
import { betterAuth } from "better-auth";
import { jwt } from "better-auth/plugins";
import { signJWT } from "better-auth/plugins/jwt";
import { memoryAdapter } from "better-auth/adapters/memory";

export const BASE_URL = "http://localhost:3000";

// withSecretEnv builds a Better Auth instance while process.env holds exactly
// the given BETTER_AUTH_SECRET / BETTER_AUTH_SECRETS, so that Better Auth
// parses them itself. The secrets are captured when the context is created,
// so the environment is restored afterwards.
export async function makeAuth({ env, database, disablePrivateKeyEncryption = false }) {
  const names = ["BETTER_AUTH_SECRET", "BETTER_AUTH_SECRETS", "AUTH_SECRET"];
  const saved = Object.fromEntries(names.map((n) => [n, process.env[n]]));
  try {
    for (const n of names) delete process.env[n];
    for (const [k, v] of Object.entries(env)) process.env[k] = v;
    const auth = betterAuth({
      baseURL: BASE_URL,
      database,
      emailAndPassword: { enabled: true },
      logger: { disabled: true },
      telemetry: { enabled: false },
      plugins: [jwt({ jwks: { disablePrivateKeyEncryption } })],
    });
    await auth.$context;
    return auth;
  } finally {
    for (const n of names) {
      if (saved[n] === undefined) delete process.env[n];
      else process.env[n] = saved[n];
    }
  }
}

// trySign asks Better Auth to sign a JWT, which decrypts the newest key (or
// mints one when there is none). It returns the token or the error message.
export async function trySign(auth) {
  try {
    const { token } = await auth.api.signJWT({ body: { payload: { sub: "authstack-e2e" } } });
    return { token };
  } catch (err) {
    return { error: String(err?.message ?? err) };
  }
}

// betterAuthVersion reads the installed version; better-auth does not export
// its package.json, and the scripts run beside their node_modules.
export function betterAuthVersion() {
  return JSON.parse(readFileSync(new URL("./node_modules/better-auth/package.json", import.meta.url))).version;
}

// mintKey has Better Auth, under the given secret environment, create a
// signing key in an in-memory database and sign a JWT with it. It returns
// the stored jwks row as Better Auth wrote it, and the JWT.
export async function mintKey(env) {
  const db = { user: [], session: [], account: [], verification: [], jwks: [] };
  const auth = await makeAuth({ env, database: memoryAdapter(db) });
  const { token, error } = await trySign(auth);
  if (error || db.jwks.length !== 1) throw new Error(`minting a key failed: ${error}`);
  return { row: { ...db.jwks[0] }, token };
}

// signWithKey has Better Auth sign a JWT with one stored key, chosen by id:
// the jwt plugin's own signJWT (signingKeyId), which decrypts that key with
// the instance's secrets.
export async function signWithKey(auth, kid) {
  try {
    const token = await signJWT({ context: await auth.$context }, {
      options: { jwks: {} },
      payload: { sub: "authstack-e2e" },
      signingKeyId: kid,
    });
    return { token };
  } catch (err) {
    return { error: String(err?.message ?? err) };
  }
}
