// Generates testdata/better-auth/vectors.json: privateKey values written by
// real Better Auth under known TEST secrets, and, for each secret
// environment, whether real Better Auth can still sign with them. The Go
// unit tests of internal/jwks replay these verdicts without a database.
//
// Usage: e2e/better-auth/run.sh vectors (or make better-auth-vectors)
import { memoryAdapter } from "better-auth/adapters/memory";
import { betterAuthVersion, makeAuth, trySign } from "./lib.mjs";

// Test-only secrets: never use them anywhere real.
const A = "test-only-secret-A-0123456789abcdefghijklmnop";
const B = "test-only-secret-B-0123456789abcdefghijklmnop";
const C = "test-only-secret-C-0123456789abcdefghijklmnop";

const producers = [
  { name: "plain secret A", env: { BETTER_AUTH_SECRET: A } },
  { name: "versioned 1:A", env: { BETTER_AUTH_SECRETS: `1:${A}` } },
  { name: "versioned 2:B,1:A", env: { BETTER_AUTH_SECRETS: `2:${B},1:${A}` } },
  { name: "encryption disabled", env: { BETTER_AUTH_SECRET: A }, disablePrivateKeyEncryption: true },
];

const consumers = [
  { BETTER_AUTH_SECRET: A },
  { BETTER_AUTH_SECRET: B },
  { BETTER_AUTH_SECRETS: `1:${A}` },
  { BETTER_AUTH_SECRETS: `2:${B},1:${A}` },
  { BETTER_AUTH_SECRETS: `2:${B}` },
  { BETTER_AUTH_SECRETS: `2:${B}`, BETTER_AUTH_SECRET: A },
  { BETTER_AUTH_SECRETS: `3:${C},2:${B}` },
];

const emptyDB = () => ({ user: [], session: [], account: [], verification: [], jwks: [] });

const vectors = [];
for (const p of producers) {
  const db = emptyDB();
  const producer = await makeAuth({ env: p.env, database: memoryAdapter(db), disablePrivateKeyEncryption: p.disablePrivateKeyEncryption });
  const minted = await trySign(producer);
  if (minted.error || db.jwks.length !== 1) throw new Error(`${p.name}: minting a key failed: ${minted.error}`);
  const row = db.jwks[0];
  const cases = [];
  for (const env of consumers) {
    // The consumer sees only the producer's row; a fresh key minted on
    // success is irrelevant to the verdict.
    const consumerDB = emptyDB();
    consumerDB.jwks.push({ ...row });
    const consumer = await makeAuth({ env, database: memoryAdapter(consumerDB), disablePrivateKeyEncryption: p.disablePrivateKeyEncryption });
    const signed = await trySign(consumer);
    if (signed.error && !signed.error.includes("Failed to decrypt private key")) throw new Error(`${p.name}: unexpected failure: ${signed.error}`);
    cases.push({ env, decryptable: !signed.error });
  }
  vectors.push({ name: p.name, producedWith: p.env, privateKey: row.privateKey, cases });
}

process.stdout.write(JSON.stringify({ betterAuthVersion: betterAuthVersion(), vectors }, null, 2) + "\n");
