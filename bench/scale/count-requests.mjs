// Preloaded into the bench's fauxqs (NODE_OPTIONS=--import=…/count-requests.mjs, set by bench/scale/run.sh): counts
// every HTTP request the server receives, by AWS service and operation, and writes the totals as JSON to
// $FAUXQS_COUNT_FILE twice a second (write + rename, so a reader never sees half a file). This is the server-side
// count the scale bench checks the agents' own nodeagent_aws_requests_total counters against.
// Without FAUXQS_COUNT_FILE it does nothing.
import http from "node:http";
import fs from "node:fs";

const file = process.env.FAUXQS_COUNT_FILE;
if (file) {
  const counts = {};
  let dirty = true;
  const operation = (req) => {
    const target = req.headers["x-amz-target"];
    if (typeof target === "string" && target.startsWith("AmazonSQS.")) {
      return ["sqs", target.slice("AmazonSQS.".length)];
    }
    const url = new URL(req.url ?? "/", "http://x");
    const q = url.searchParams;
    if (req.method === "POST" && url.pathname === "/") {
      return ["sqs", "Query"]; // SQS query protocol or SNS: priced as SQS
    }
    const parts = url.pathname.split("/").filter(Boolean);
    const onObject = parts.length > 1;
    switch (req.method) {
      case "GET":
        if (!onObject) {
          return ["s3", q.get("list-type") === "2" ? "ListObjectsV2" : q.has("uploads") ? "ListMultipartUploads" : "ListObjects"];
        }
        return ["s3", q.has("uploadId") ? "ListParts" : "GetObject"];
      case "HEAD":
        return ["s3", onObject ? "HeadObject" : "HeadBucket"];
      case "PUT":
        if (!onObject) {
          return ["s3", "CreateBucket"];
        }
        if (q.has("uploadId")) {
          return ["s3", "UploadPart"];
        }
        return ["s3", req.headers["x-amz-copy-source"] ? "CopyObject" : "PutObject"];
      case "POST":
        if (q.has("uploads")) {
          return ["s3", "CreateMultipartUpload"];
        }
        if (q.has("uploadId")) {
          return ["s3", "CompleteMultipartUpload"];
        }
        return ["s3", q.has("delete") ? "DeleteObjects" : "PostObject"];
      case "DELETE":
        return ["s3", q.has("uploadId") ? "AbortMultipartUpload" : onObject ? "DeleteObject" : "DeleteBucket"];
      default:
        return ["other", req.method ?? "?"];
    }
  };
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (event, req, ...rest) {
    if (event === "request") {
      const [service, op] = operation(req);
      const key = `${service}:${op}`;
      counts[key] = (counts[key] ?? 0) + 1;
      dirty = true;
    }
    return emit.call(this, event, req, ...rest);
  };
  const flush = () => {
    if (!dirty) {
      return;
    }
    dirty = false;
    const tmp = `${file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ at: Date.now(), counts }));
    fs.renameSync(tmp, file);
  };
  setInterval(flush, 500).unref();
  process.on("exit", flush);
}
