// A minimal Better Auth app, the component image of the real-node stage:
// better-auth from npm with email+password and the JWT plugin on PostgreSQL
// ($DATABASE_URL), secret from $BETTER_AUTH_SECRET (or BETTER_AUTH_SECRETS),
// base URL from $BETTER_AUTH_URL, as the rendered Deployments set them.
// Listens on $PORT. GET /api/health and /health answer 200 once the
// schema is complete and the database answers (the rendered readiness
// probes); /api/auth/* is Better Auth (sign-up/sign-in, /api/auth/token,
// /api/auth/jwks).
//
//   node server.mjs           serve; with MIGRATE_ON_START=1 (the image env
//                             of the reference stack's images) create the
//                             tables first, else wait until they exist
//   node server.mjs migrate   create Better Auth's tables, then exit (the
//                             command of spec.auth.migrate's Job)
import http from "node:http";
import pg from "pg";
import { betterAuth } from "better-auth";
import { jwt } from "better-auth/plugins";
import { toNodeHandler } from "better-auth/node";
import { getMigrations } from "better-auth/db/migration";

const port = Number(process.env.PORT || 3000);
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 5 });
const options = {
  baseURL: process.env.BETTER_AUTH_URL,
  database: pool,
  emailAndPassword: { enabled: true },
  telemetry: { enabled: false },
  // Better Auth rate-limits sign-in per client IP in production (3 per 10 s);
  // the load client is one IP that signs in continuously on purpose.
  rateLimit: { enabled: false },
  plugins: [jwt()],
};
const auth = betterAuth(options);
const handler = toNodeHandler(auth);

if (process.argv[2] === "migrate") {
  const { toBeCreated, toBeAdded, runMigrations } = await getMigrations(options);
  await runMigrations();
  console.log(`migrate: created ${toBeCreated.length} tables, added columns to ${toBeAdded.length}`);
  await pool.end();
  process.exit(0);
}

// Replicas start together: a migration that loses the race to create a
// table is retried, and then finds nothing left to do. Without
// MIGRATE_ON_START the app only checks, and stays unready until a
// migration Job has created everything.
const onStart = process.env.MIGRATE_ON_START === "1";
async function migrate() {
  for (let i = 0; ; i++) {
    try {
      const { toBeCreated, toBeAdded, runMigrations } = await getMigrations(options);
      if (onStart) await runMigrations();
      else if (toBeCreated.length + toBeAdded.length > 0) {
        throw new Error(`schema incomplete: ${toBeCreated.length} tables missing, ${toBeAdded.length} to alter (run the migration)`);
      }
      return;
    } catch (err) {
      if (onStart && i >= 30) throw err;
      console.error(`schema check ${i + 1}: ${err?.message ?? err}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

let migrated = false;
migrate().then(() => { migrated = true; console.log(onStart ? "schema ready (migrated on start)" : "schema ready"); },
  (err) => { console.error(`migration failed: ${err}`); process.exit(1); });

http.createServer(async (req, res) => {
  if (req.url === "/api/health" || req.url === "/health") {
    try {
      if (!migrated) throw new Error("schema not ready");
      await pool.query("select 1");
      res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
    } catch (err) {
      res.writeHead(503, { "content-type": "text/plain" }).end(`not ready: ${err?.message ?? err}\n`);
    }
    return;
  }
  if (req.url.startsWith("/api/auth/")) return handler(req, res);
  res.writeHead(404).end();
}).listen(port, () => console.log(`listening on :${port}`));
