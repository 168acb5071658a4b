// npm start — the production server: what remix-serve does (compression, the build's assets, public/, an access
// log, Remix), with the fast path for the webhook routes in front of all of it (server/static-actions.js,
// docs/decisions/013-production-server.md). PORT (3000) and HOST as for remix-serve; the build's path may be given.
import path from "node:path";
import { pathToFileURL } from "node:url";
import remixExpress from "@remix-run/express";
import remixNode from "@remix-run/node";
import compression from "compression";
import express from "express";
import morgan from "morgan";
import { staticActionHandler } from "./server/static-actions.js";

const build = await import(pathToFileURL(path.resolve(process.argv[2] ?? "build/server/index.js")).href);
remixNode.installGlobals({ nativeFetch: build.future.v3_singleFetch });

// An error thrown by an action goes to the entry's handleError when it has one, as in Remix. Otherwise Remix would
// print the whole error; Prisma's messages can quote query arguments (phone numbers), so only its kind and frames.
const reportError = (error, request) => {
  if (build.entry.module.handleError) return build.entry.module.handleError(error, { request, params: {}, context: {} });
  const { name, code, stack } = error ?? {};
  const frames = String(stack ?? "").split("\n").filter((line) => line.trimStart().startsWith("at ")).slice(0, 8);
  console.error([`[server] POST ${new URL(request.url).pathname} failed: ${name ?? "error"}${code ? ` ${code}` : ""}`, ...frames].join("\n"));
};

const app = express();
app.disable("x-powered-by");
app.use(staticActionHandler(build.routes, reportError));
app.use(compression());
app.use(build.publicPath, express.static(build.assetsBuildDirectory, { immutable: true, maxAge: "1y" }));
app.use(express.static("public", { maxAge: "1h" }));
app.use(morgan("tiny"));
app.all("*", remixExpress.createRequestHandler({ build, mode: process.env.NODE_ENV }));

const port = Number(process.env.PORT ?? 3000);
const onListen = () => console.log(`[server] http://${process.env.HOST ?? "localhost"}:${port}`);
const server = process.env.HOST ? app.listen(port, process.env.HOST, onListen) : app.listen(port, onListen);
for (const signal of ["SIGTERM", "SIGINT"]) process.once(signal, () => server.close(() => process.exit(0)));
