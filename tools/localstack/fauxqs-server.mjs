// Starts fauxqs (the npm S3+SQS emulator) bound to loopback only. fauxqs's own CLI listens on 0.0.0.0; this launcher
// builds the same app and listens on FAUXQS_LISTEN (default 127.0.0.1:4566). Port 0 picks a free port.
// Prints one line "fauxqs listening on http://HOST:PORT" once it accepts connections.
//   FAUXQS_DIR      directory holding node_modules/fauxqs (tools/localstack/install.sh puts it in .local/fauxqs)
//   FAUXQS_LISTEN   host:port to bind; the host must be a 127.0.0.0/8 address
//   FAUXQS_BUCKETS  comma-separated buckets to create at start
//   FAUXQS_EXIT_WITH_PARENT=1  exit when standard input closes (the parent that holds the pipe has gone), so a test
//                   run that is killed never leaves a server behind
import { pathToFileURL } from "node:url";
import path from "node:path";

const dir = process.env.FAUXQS_DIR;
if (!dir) {
  console.error("FAUXQS_DIR is not set (run tools/localstack/install.sh)");
  process.exit(2);
}
const dist = path.join(dir, "node_modules", "fauxqs", "dist");
const load = (p) => import(pathToFileURL(path.join(dist, p)).href);
const { buildApp } = await load("app.js");
const { SqsStore } = await load("sqs/sqsStore.js");
const { SnsStore } = await load("sns/snsStore.js");
const { S3Store } = await load("s3/s3Store.js");

const [host, portText] = (process.env.FAUXQS_LISTEN ?? "127.0.0.1:4566").split(":");
if (!host.startsWith("127.")) {
  console.error(`FAUXQS_LISTEN host ${host} is not a loopback address`);
  process.exit(2);
}
const stores = { sqsStore: new SqsStore(), snsStore: new SnsStore(), s3Store: new S3Store() };
const app = buildApp({ logger: process.env.FAUXQS_LOGGER === "true", stores });
// Queue URLs then carry the address the client used (127.0.0.1:PORT), not sqs.<region>.localhost.
stores.sqsStore.host = undefined;
for (const bucket of (process.env.FAUXQS_BUCKETS ?? "").split(",").filter(Boolean)) {
  stores.s3Store.createBucket(bucket);
}
const address = await app.listen({ host, port: Number(portText ?? 4566) });
console.log(`fauxqs listening on ${address}`);
const stop = async () => { await app.close(); process.exit(0); };
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
if (process.env.FAUXQS_EXIT_WITH_PARENT === "1") {
  process.stdin.on("end", stop);
  process.stdin.on("close", stop);
  process.stdin.resume();
}
