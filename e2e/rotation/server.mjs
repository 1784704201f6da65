// The application of the rotation proof: a real Better Auth server (jwt
// plugin, PostgreSQL through pg) configured only by its environment, as a
// container of the rendered Deployment would be. PORT stands for the pod's
// own address.
//
//   node server.mjs           serve on 127.0.0.1:$PORT
//   node server.mjs migrate   create Better Auth's tables, then exit (the
//                             command of the stack's migration Job)
import http from "node:http";
import pg from "pg";
import { betterAuth } from "better-auth";
import { jwt } from "better-auth/plugins";
import { toNodeHandler } from "better-auth/node";
import { getMigrations } from "better-auth/db/migration";

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
// BETTER_AUTH_URL, BETTER_AUTH_SECRET and BETTER_AUTH_SECRETS are read by
// Better Auth itself.
const auth = betterAuth({
  database: pool,
  emailAndPassword: { enabled: true },
  // The load client is a single IP: per-IP limits would count as failures.
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
  plugins: [jwt({ jwt: { expirationTime: process.env.JWT_EXPIRATION_TIME || "15m" } })],
});

if (process.argv[2] === "migrate") {
  const { toBeCreated, toBeAdded, runMigrations } = await getMigrations(auth.options);
  await runMigrations();
  console.log(`migrate: created ${toBeCreated.length} tables, added columns to ${toBeAdded.length}`);
  await pool.end();
} else {
  const port = Number(process.env.PORT);
  if (!port) throw new Error("server: set PORT");
  const server = http.createServer(toNodeHandler(auth));
  server.listen(port, "127.0.0.1");
  // A pod's graceful stop: finish the requests in flight, then exit.
  process.on("SIGTERM", () => server.close(() => pool.end().then(() => process.exit(0))));
}
