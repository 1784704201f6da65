// End-to-end proof of `authstack jwks-purge` against real Better Auth (jwt
// plugin, Kysely on PostgreSQL): a secret rotation really breaks signing,
// the purge really repairs it, and it keeps every key that still works.
//
// Env: DATABASE_URL (PostgreSQL, the script owns the schemas e2e_plain and
// e2e_versioned), AUTHSTACK_BIN (the authstack binary). Exits non-zero on
// the first failed step.
import { randomBytes } from "node:crypto";
import { spawnSync } from "node:child_process";
import pg from "pg";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { getMigrations } from "better-auth/db/migration";
import { BASE_URL, betterAuthVersion, makeAuth, trySign } from "./lib.mjs";

const { DATABASE_URL, AUTHSTACK_BIN } = process.env;
if (!DATABASE_URL || !AUTHSTACK_BIN) {
  console.error("e2e: set DATABASE_URL and AUTHSTACK_BIN");
  process.exit(2);
}

// Fresh secrets per run; they must never show up in any output.
const A = randomBytes(32).toString("hex");
const B = randomBytes(32).toString("hex");
const dbPassword = decodeURIComponent(new URL(DATABASE_URL).password);
const secretValues = [A, B, dbPassword].filter(Boolean);

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
  return { status: res.status, output, deleted: m ? Number(m[1]) : null };
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
    step(r.status === 0 && (await jwksRows(pool)).length === 1 && r.output.includes("dry run: deleted nothing"), "purge --dry-run with B deletes nothing");

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

console.log(`better-auth ${betterAuthVersion()}, authstack ${AUTHSTACK_BIN}`);
try {
  await plainSecretRotation();
  await versionedSecretRotation();
  console.log("\nPASS: jwks-purge repairs Better Auth after secret rotation and keeps usable keys");
} catch (err) {
  console.error(`\nFAIL: ${err.message}`);
  process.exit(1);
}
