// End-to-end proof of `authstack jwks-purge` against real Better Auth (jwt
// plugin, Kysely on PostgreSQL): a secret rotation really breaks signing,
// the purge really repairs it, and it keeps every key that still works; and
// --strategy reencrypt writes keys that Better Auth itself decrypts and signs
// with, under the same kid, once the old secrets are dropped.
//
// Env: DATABASE_URL (PostgreSQL, the script owns the schemas e2e_plain,
// e2e_versioned and e2e_reencrypt), AUTHSTACK_BIN (the authstack binary). Exits non-zero on
// the first failed step.
import { randomBytes } from "node:crypto";
import { spawnSync } from "node:child_process";
import pg from "pg";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { getMigrations } from "better-auth/db/migration";
import { BASE_URL, betterAuthVersion, makeAuth, mintKey, signWithKey, trySign } from "./lib.mjs";

const { DATABASE_URL, AUTHSTACK_BIN } = process.env;
if (!DATABASE_URL || !AUTHSTACK_BIN) {
  console.error("e2e: set DATABASE_URL and AUTHSTACK_BIN");
  process.exit(2);
}

// Fresh secrets per run; they must never show up in any output.
const A = randomBytes(32).toString("hex");
const B = randomBytes(32).toString("hex");
const C = randomBytes(32).toString("hex");
const L = randomBytes(32).toString("hex");
const dbPassword = decodeURIComponent(new URL(DATABASE_URL).password);
const secretValues = [A, B, C, L, dbPassword].filter(Boolean);

function step(ok, what, detail = "") {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}${detail ? `: ${detail}` : ""}`);
  if (!ok) throw new Error(`step failed: ${what}`);
}

// withSchema points a URL at one schema, for the purge binary (pgx passes
// search_path as a runtime parameter).
function withSchema(schema) {
  const u = new URL(DATABASE_URL);
  u.searchParams.set("search_path", schema);
  return u.toString();
}

async function setupSchema(schema) {
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
  await admin.end();
  return new pg.Pool({ connectionString: DATABASE_URL, options: `-c search_path=${schema}` });
}

async function jwksRows(pool) {
  const { rows } = await pool.query(`SELECT "id", "privateKey" FROM "jwks" ORDER BY "createdAt"`);
  return rows;
}

// purge runs the binary with exactly the given secret environment and
// returns its exit status, its output and the deleted count it reports.
function purge(schema, secretEnv, keyMaterial, ...flags) {
  const res = spawnSync(AUTHSTACK_BIN, ["jwks-purge", ...flags], {
    env: { PATH: process.env.PATH, DATABASE_URL: withSchema(schema), ...secretEnv },
    encoding: "utf8",
    timeout: 60_000,
  });
  const output = `${res.stdout}${res.stderr}`;
  const leaked = [...secretValues, ...keyMaterial].some((s) => output.includes(s));
  step(!leaked, "purge output contains no secret, password or key material");
  for (const line of output.trimEnd().split("\n")) console.log(`       | ${line}`);
  const m = output.match(/deleted (\d+) of (\d+) keys/);
  const re = output.match(/re-encrypted (\d+) of (\d+) keys/);
  return { status: res.status, output, deleted: m ? Number(m[1]) : null, reencrypted: re ? Number(re[1]) : null };
}

// signIn signs up a fresh user and returns its session cookie.
async function signIn(auth) {
  const email = `e2e-${randomBytes(6).toString("hex")}@example.com`;
  const res = await auth.handler(new Request(`${BASE_URL}/api/auth/sign-up/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: BASE_URL },
    body: JSON.stringify({ email, password: randomBytes(12).toString("hex"), name: "E2E" }),
  }));
  if (res.status !== 200) throw new Error(`sign-up: HTTP ${res.status} ${await res.text()}`);
  return res.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
}

// getJWT fetches /token for the session and verifies it against /jwks.
async function getJWT(auth, cookie) {
  const res = await auth.handler(new Request(`${BASE_URL}/api/auth/token`, { headers: { cookie } }));
  if (res.status !== 200) return { error: `HTTP ${res.status} ${await res.text()}` };
  const { token } = await res.json();
  const jwks = await (await auth.handler(new Request(`${BASE_URL}/api/auth/jwks`))).json();
  const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: BASE_URL, audience: BASE_URL });
  return { kid: decodeProtectedHeader(token).kid, sub: payload.sub };
}

async function plainSecretRotation() {
  const schema = "e2e_plain";
  console.log(`\n== BETTER_AUTH_SECRET rotation A -> B (schema ${schema})`);
  const pool = await setupSchema(schema);
  try {
    let r = purge(schema, { BETTER_AUTH_SECRET: A }, []);
    step(r.status === 0 && r.output.includes("does not exist yet"), "purge before the first migration exits 0", `exit ${r.status}`);

    const authA = await makeAuth({ env: { BETTER_AUTH_SECRET: A }, database: pool });
    await (await getMigrations(authA.options)).runMigrations();
    step(true, "Better Auth migrations created the schema");

    const cookieA = await signIn(authA);
    const jwtA = await getJWT(authA, cookieA);
    let rows = await jwksRows(pool);
    step(!jwtA.error && rows.length === 1 && rows[0].id === jwtA.kid, "secret A: /token issued a JWT verified by /jwks", `kid ${jwtA.kid}`);
    step(/^"[0-9a-f]+"$/.test(rows[0].privateKey), "stored privateKey is JSON of bare hex");
    const keysA = rows.map((row) => row.privateKey);

    r = purge(schema, { BETTER_AUTH_SECRET: A }, keysA);
    step(r.status === 0 && r.deleted === 0, "purge with A deletes nothing", `deleted ${r.deleted}`);

    const authB = await makeAuth({ env: { BETTER_AUTH_SECRET: B }, database: pool });
    const cookieB = await signIn(authB);
    const broken = await getJWT(authB, cookieB);
    const signed = await trySign(authB);
    step(Boolean(broken.error) && /Failed to decrypt private key/.test(signed.error ?? ""),
      "secret B: signing fails with \"Failed to decrypt private key\"", `/token ${broken.error?.split(" ")[1]}`);

    r = purge(schema, { BETTER_AUTH_SECRET: B }, keysA, "--dry-run");
    step(r.status === 0 && (await jwksRows(pool)).length === 1 && r.output.includes("dry run: changed nothing"), "purge --dry-run with B deletes nothing");

    r = purge(schema, { BETTER_AUTH_SECRET: B }, keysA);
    step(r.status === 0 && r.deleted === 1, "purge with B deletes the key", `deleted ${r.deleted}`);

    const jwtB = await getJWT(authB, cookieB);
    rows = await jwksRows(pool);
    step(!jwtB.error && rows.length === 1 && rows[0].id === jwtB.kid && jwtB.kid !== jwtA.kid,
      "secret B: /token issues a JWT verified by /jwks with a new key", `kid ${jwtB.kid}`);

    r = purge(schema, { BETTER_AUTH_SECRET: B }, [...keysA, rows[0].privateKey]);
    step(r.status === 0 && r.deleted === 0, "purge with B again deletes nothing (idempotent)");
  } finally {
    await pool.end();
  }
}

async function versionedSecretRotation() {
  const schema = "e2e_versioned";
  console.log(`\n== BETTER_AUTH_SECRETS rotation 1:A -> 2:B,1:A -> 2:B (schema ${schema})`);
  const pool = await setupSchema(schema);
  try {
    const env1 = { BETTER_AUTH_SECRETS: `1:${A}` };
    const env21 = { BETTER_AUTH_SECRETS: `2:${B},1:${A}` };
    const env2 = { BETTER_AUTH_SECRETS: `2:${B}` };

    const auth1 = await makeAuth({ env: env1, database: pool });
    await (await getMigrations(auth1.options)).runMigrations();
    const jwt1 = await getJWT(auth1, await signIn(auth1));
    let rows = await jwksRows(pool);
    step(!jwt1.error && rows.length === 1 && rows[0].privateKey.startsWith('"$ba$1$'),
      "secrets 1:A: key stored in a $ba$1$ envelope, JWT verified", `kid ${jwt1.kid}`);
    const keys1 = rows.map((row) => row.privateKey);

    let r = purge(schema, env21, keys1);
    step(r.status === 0 && r.deleted === 0, "purge with 2:B,1:A deletes nothing", `deleted ${r.deleted}`);
    const auth21 = await makeAuth({ env: env21, database: pool });
    const jwt21 = await getJWT(auth21, await signIn(auth21));
    step(!jwt21.error && jwt21.kid === jwt1.kid, "secrets 2:B,1:A: Better Auth still signs with the 1:A key");

    const auth2 = await makeAuth({ env: env2, database: pool });
    const signed = await trySign(auth2);
    step(/Failed to decrypt private key/.test(signed.error ?? ""), "secrets 2:B: signing fails with \"Failed to decrypt private key\"");

    r = purge(schema, env2, keys1);
    step(r.status === 0 && r.deleted === 1, "purge with 2:B deletes the 1:A key", `deleted ${r.deleted}`);

    const jwt2 = await getJWT(auth2, await signIn(auth2));
    rows = await jwksRows(pool);
    step(!jwt2.error && rows.length === 1 && rows[0].privateKey.startsWith('"$ba$2$') && rows[0].id === jwt2.kid,
      "secrets 2:B: new $ba$2$ key, JWT verified by /jwks", `kid ${jwt2.kid}`);
  } finally {
    await pool.end();
  }
}

// verifies checks a JWT against the instance's /jwks and returns its kid.
async function verifies(auth, token) {
  try {
    const jwks = await (await auth.handler(new Request(`${BASE_URL}/api/auth/jwks`))).json();
    await jwtVerify(token, createLocalJWKSet(jwks), { issuer: BASE_URL, audience: BASE_URL });
    return decodeProtectedHeader(token).kid;
  } catch (err) {
    return null;
  }
}

// reencryptRotation proves --strategy reencrypt against real Better Auth:
// keys Better Auth wrote under a legacy secret L and under version 1:A are
// re-encrypted with version 2 by authstack, and then Better Auth running
// with 2:B alone (the old secrets dropped) signs with them under the same
// kid, and the JWTs issued before still verify against /jwks.
async function reencryptRotation() {
  const schema = "e2e_reencrypt";
  console.log(`\n== --strategy reencrypt: keys of L and 1:A -> 2:B, then L and 1:A dropped (schema ${schema})`);
  const pool = await setupSchema(schema);
  try {
    const jobEnv = { BETTER_AUTH_SECRETS: `2:${B},1:${A}`, BETTER_AUTH_SECRET: L };
    const migrator = await makeAuth({ env: jobEnv, database: pool });
    await (await getMigrations(migrator.options)).runMigrations();

    // Keys as real Better Auth wrote them under each earlier configuration,
    // oldest first, each with a JWT it signed.
    const minted = {};
    for (const [name, env] of [
      ["legacy", { BETTER_AUTH_SECRET: L }],
      ["v1", { BETTER_AUTH_SECRETS: `1:${A}` }],
      ["retired", { BETTER_AUTH_SECRETS: `3:${C}` }],
    ]) {
      minted[name] = await mintKey(env);
      const row = minted[name].row;
      const cols = Object.keys(row).filter((k) => row[k] !== undefined);
      await pool.query(`INSERT INTO "jwks" (${cols.map((c) => `"${c}"`).join(", ")}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(", ")})`,
        cols.map((c) => row[c]));
      await new Promise((resolve) => setTimeout(resolve, 20)); // distinct createdAt
    }
    step(minted.legacy.row.privateKey.startsWith('"') && !minted.legacy.row.privateKey.startsWith('"$ba$') &&
      minted.v1.row.privateKey.startsWith('"$ba$1$') && minted.retired.row.privateKey.startsWith('"$ba$3$'),
      "Better Auth wrote a bare-hex key (L), a $ba$1$ key (1:A) and a $ba$3$ key (3:C)");
    const before = Object.fromEntries((await pool.query(`SELECT "id", "publicKey", "privateKey" FROM "jwks"`)).rows.map((r) => [r.id, r]));
    const material = () => Object.values(before).map((r) => r.privateKey);

    const auth2 = await makeAuth({ env: { BETTER_AUTH_SECRETS: `2:${B}` }, database: pool });
    for (const name of ["legacy", "v1"]) {
      const signed = await signWithKey(auth2, minted[name].row.id);
      step(/Failed to decrypt private key/.test(signed.error ?? ""), `before the purge, secrets 2:B cannot sign with the ${name} key`);
    }

    let r = purge(schema, jobEnv, material(), "--strategy=reencrypt", "--dry-run");
    let rows = await jwksRows(pool);
    step(r.status === 0 && rows.every((row) => row.privateKey === before[row.id].privateKey) && rows.length === 3,
      "purge --strategy=reencrypt --dry-run changes nothing");

    r = purge(schema, jobEnv, material(), "--strategy=reencrypt");
    const after = Object.fromEntries((await pool.query(`SELECT "id", "publicKey", "privateKey" FROM "jwks"`)).rows.map((r) => [r.id, r]));
    step(r.status === 0 && r.reencrypted === 2 && r.deleted === 1, "purge --strategy=reencrypt with 2:B,1:A + L re-encrypts 2 keys, deletes the 3:C one",
      `re-encrypted ${r.reencrypted}, deleted ${r.deleted}`);
    step(Object.keys(after).sort().join() === [minted.legacy.row.id, minted.v1.row.id].sort().join() &&
      Object.values(after).every((row) => row.privateKey.startsWith('"$ba$2$') && row.publicKey === before[row.id].publicKey),
      "the two keys keep their id and public key and are now $ba$2$ envelopes");

    for (const name of ["legacy", "v1"]) {
      const kid = minted[name].row.id;
      step(await verifies(auth2, minted[name].token) === kid, `secrets 2:B: the JWT signed before with the ${name} key still verifies against /jwks`, `kid ${kid}`);
      const signed = await signWithKey(auth2, kid);
      step(!signed.error && await verifies(auth2, signed.token) === kid,
        `secrets 2:B: Better Auth decrypts the re-encrypted ${name} key, signs with it, /jwks verifies it (same kid)`, signed.error ?? `kid ${kid}`);
    }
    const jwt2 = await getJWT(auth2, await signIn(auth2));
    rows = await jwksRows(pool);
    step(!jwt2.error && jwt2.kid === minted.v1.row.id && rows.length === 2,
      "secrets 2:B: /token signs with the newest re-encrypted key, no new key minted", `kid ${jwt2.kid}`);

    const all = [...material(), ...Object.values(after).map((row) => row.privateKey)];
    r = purge(schema, jobEnv, all, "--strategy=reencrypt");
    rows = await jwksRows(pool);
    step(r.status === 0 && r.reencrypted === 0 && r.deleted === 0 && rows.every((row) => row.privateKey === after[row.id].privateKey),
      "purge --strategy=reencrypt again changes nothing (idempotent)");
    r = purge(schema, { BETTER_AUTH_SECRETS: `2:${B}` }, all, "--strategy=reencrypt");
    step(r.status === 0 && r.reencrypted === 0 && r.deleted === 0, "purge --strategy=reencrypt with 2:B alone changes nothing");
  } finally {
    await pool.end();
  }
}

console.log(`better-auth ${betterAuthVersion()}, authstack ${AUTHSTACK_BIN}`);
try {
  await plainSecretRotation();
  await versionedSecretRotation();
  await reencryptRotation();
  console.log("\nPASS: jwks-purge repairs Better Auth after secret rotation, keeps usable keys, re-encrypts them for Better Auth");
} catch (err) {
  console.error(`\nFAIL: ${err.message}`);
  process.exit(1);
}
