// Conformance client: a second Redline sync client, written only from
// docs/protocol.md and docs/documents.md (never from the Rust sources), to
// prove that those two documents are enough to make documents the server
// accepts. It creates one inspection from scratch and uploads it.
//
//   REDLINE_URL=http://127.0.0.1:8080 REDLINE_TOKEN=<device token> \
//     node tests/conformance/client.mjs [site-id]
//
// On success it prints one JSON object on stdout (the new inspection's id
// and what it wrote); on any failure it prints why on stderr and exits 1.

import * as Automerge from "@automerge/automerge";
import { Decoder, Encoder } from "cbor-x";
import { createHash, randomUUID } from "node:crypto";

// ---- Facts from docs/documents.md -----------------------------------------

const SKELETON_ACTOR = Buffer.from("redline-skeleton", "ascii").toString("hex");
const SKELETON = {
  inspection: {
    maps: ["inspectors", "answers", "findings", "signatures", "photos", "amendments", "actors"],
    lists: [],
    hash: "57c04b981366e24545e784a45764eee43f37c09eb0c55f53b6b0b8831d8b93e5",
  },
  hazard: {
    maps: ["photos", "actors"],
    lists: ["transitions"],
    hash: "05d358d8eaff76bcd5f6a089ef37fdb471c196bb28028ca37bdeef5e67667af1",
  },
};
const CHANGE_CHUNK = 1;
const PROTOCOL = 1;
const CHINA_OFFSET_MS = 8 * 3600 * 1000;

// ---- Plumbing -------------------------------------------------------------

class Failure extends Error {}

function fail(message) {
  throw new Failure(message);
}

// Plain CBOR maps with text keys, byte strings untagged, no cbor-x extensions.
const cborOptions = { useRecords: false, mapsAsObjects: true, tagUint8Array: false, useTag259ForMaps: false, int64AsNumber: true };
const encoder = new Encoder(cborOptions);
const decoder = new Decoder(cborOptions);

const url = (process.env.REDLINE_URL || "").replace(/\/+$/, "");
const token = process.env.REDLINE_TOKEN || "";

async function request(method, path, body) {
  const headers = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers["content-type"] = "application/cbor";
  let resp;
  try {
    resp = await fetch(url + path, {
      method,
      headers,
      body: body === undefined ? undefined : encoder.encode(body),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (e) {
    fail(`${method} ${path}: cannot reach ${url} (${e.cause?.message || e.message})`);
  }
  const bytes = new Uint8Array(await resp.arrayBuffer());
  if (resp.status !== 200) {
    let detail = `HTTP ${resp.status}`;
    try {
      const err = decoder.decode(bytes);
      detail += ` ${err.code}: ${err.message}`;
    } catch {
      detail += ` (body is not a CBOR error: ${Buffer.from(bytes).toString("utf8").slice(0, 200)})`;
    }
    fail(`${method} ${path} failed: ${detail}`);
  }
  if (!(resp.headers.get("content-type") || "").startsWith("application/cbor")) {
    fail(`${method} ${path}: expected application/cbor, got ${resp.headers.get("content-type")}`);
  }
  return decoder.decode(bytes);
}

/** `SHA-256(device_id || 0x00 || user_id)[0..16]`, hex. */
function actorFor(deviceId, userId) {
  const h = createHash("sha256");
  h.update(Buffer.from(deviceId, "utf8"));
  h.update(Buffer.from([0]));
  h.update(Buffer.from(userId, "utf8"));
  return h.digest().subarray(0, 16).toString("hex");
}

/** The China (UTC+8) calendar day of instant `ms`, `YYYY-MM-DD`. */
function chinaDate(ms) {
  return new Date(ms + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

/** A record value: JSON text stored as an immutable automerge string. */
function record(value) {
  return new Automerge.ImmutableString(JSON.stringify(value));
}

// ---- Documents ------------------------------------------------------------

/** The skeleton change, built from its documented content; refuses to go
 *  on unless it hashes to the documented hash. */
function skeleton(kind) {
  const s = SKELETON[kind];
  let doc = Automerge.init({ actor: SKELETON_ACTOR });
  doc = Automerge.change(doc, { time: 0 }, (d) => {
    d.schema = 1;
    d.type = new Automerge.ImmutableString(kind);
    for (const key of s.maps) d[key] = {};
    for (const key of s.lists) d[key] = [];
  });
  const heads = Automerge.getHeads(doc);
  if (heads.length !== 1 || heads[0] !== s.hash) {
    fail(`the ${kind} skeleton built here hashes to ${heads.join(",")}, not the documented ${s.hash}; load the documented skeleton bytes instead`);
  }
  return doc;
}

/** Answers for a few visible items of `template`: the first pass/fail item
 *  fails (it gets the finding), the others get a passing value of their type. */
function chooseAnswers(template, day) {
  const visible = [];
  for (const section of template.sections) {
    if (section.show_if) continue;
    for (const item of section.items) if (!item.show_if) visible.push(item);
  }
  const failing = visible.find((i) => i.answer.type === "pass_fail");
  if (!failing) fail(`template ${template.id} has no unconditional pass/fail item to fail`);
  const answers = [{ item: failing, value: { type: "fail" } }];
  const passing = (item) => {
    const a = item.answer;
    switch (a.type) {
      case "pass_fail":
        return { type: "pass" };
      case "number":
        return { type: "number", value: a.min ?? a.max ?? 0 };
      case "text":
        return { type: "text", value: "记录 conformance" };
      case "date": {
        const later = new Date(Date.parse(`${day}T00:00:00Z`) + 365 * 86_400_000);
        return { type: "date", value: later.toISOString().slice(0, 10) };
      }
      case "choice": {
        const ok = a.options.find((o) => !o.fails);
        return ok ? { type: "choice", value: [ok.id] } : null;
      }
      default:
        return null;
    }
  };
  // Prefer variety: one item of each answer type first, then pass/fail ones.
  const seen = new Set(["fail"]);
  for (const item of visible) {
    if (item === failing || answers.length >= 4) continue;
    const v = passing(item);
    if (v && !seen.has(v.type)) {
      seen.add(v.type);
      answers.push({ item, value: v });
    }
  }
  for (const item of visible) {
    if (answers.length >= 4) break;
    if (item !== failing && !answers.some((a) => a.item === item)) {
      const v = passing(item);
      if (v) answers.push({ item, value: v });
    }
  }
  return answers;
}

async function main() {
  if (!url || !token) fail("set REDLINE_URL (e.g. http://127.0.0.1:8080) and REDLINE_TOKEN (a device token)");
  const wantedSite = process.argv[2];

  // 1. Who am I: the ids the actor is derived from.
  const me = await request("GET", "/v1/me");
  for (const f of ["device_id", "user_id", "name", "role"]) {
    if (typeof me[f] !== "string" || !me[f]) fail(`GET /v1/me: field ${f} is missing`);
  }
  const actor = actorFor(me.device_id, me.user_id);
  const person = { user_id: me.user_id, name: me.name };

  // 2. Reference data: sites in scope and published templates.
  const first = await request("POST", "/v1/sync", { protocol: PROTOCOL, cursor: "", reference_version: "", uploads: [] });
  if (first.protocol !== PROTOCOL) fail(`server speaks protocol ${first.protocol}`);
  const reference = first.reference;
  if (!reference) fail("the first sync carried no reference data");
  const templates = reference.templates.map((json) => JSON.parse(json));
  const newest = (t) => !templates.some((o) => o.id === t.id && o.version > t.version);
  const templateFor = (site) => templates.find((t) => newest(t) && site.categories.includes(t.category));
  let site;
  if (wantedSite) {
    site = reference.sites.find((s) => s.id === wantedSite);
    if (!site) fail(`site ${wantedSite} is not in this token's scope (${reference.sites.length} sites are)`);
    if (!templateFor(site)) fail(`no published template covers site ${site.id} (categories ${site.categories.join(", ")})`);
  } else {
    site = reference.sites.find(templateFor);
    if (!site) fail(`no site in scope has a published template (${reference.sites.length} sites, ${templates.length} templates); publish one with PUT /v1/admin/templates`);
  }
  const template = templateFor(site);

  // 3. The inspection: the skeleton, then this device's own changes.
  const id = randomUUID();
  const startedAt = Date.now();
  const seconds = (ms) => Math.floor(ms / 1000);
  const day = chinaDate(startedAt);
  let doc = Automerge.clone(skeleton("inspection"), { actor });
  if (Automerge.getActorId(doc) !== actor) fail("automerge did not take the derived actor");

  const header = {
    site_id: site.id,
    site_name: site.name,
    // A community assistant may only start self-inspections (documents.md).
    kind: me.role === "community_assistant" ? "self_inspection" : "routine_patrol",
    template_id: template.id,
    template_version: template.version,
    created_by: person,
    started_at: startedAt,
  };
  doc = Automerge.change(doc, { time: seconds(startedAt) }, (d) => {
    d.header = record(header);
    d.status = new Automerge.ImmutableString("draft");
    d.actors[actor] = record(person);
    d.inspectors[me.user_id] = record(person);
  });

  const answers = chooseAnswers(template, day);
  let at = startedAt;
  for (const { item, value } of answers) {
    at += 1000;
    const note = value.type === "fail" ? "conformance: failed on purpose" : null;
    doc = Automerge.change(doc, { time: seconds(at) }, (d) => {
      d.answers[item.id] = record({ value, note, by: person, at });
    });
  }

  at += 1000;
  const failed = answers[0].item;
  const finding = {
    id: randomUUID(),
    item_id: failed.id,
    description: `conformance finding for ${failed.id}`,
    grade: failed.major_hazard === "yes" ? "major" : "general",
    location: null,
    deadline: chinaDate(at + 14 * 86_400_000),
    responsible: "现场负责人",
    by: person,
    at,
  };
  doc = Automerge.change(doc, { time: seconds(at) }, (d) => {
    const fields = {};
    for (const [k, v] of Object.entries(finding)) fields[k] = record(v);
    d.findings[finding.id] = fields;
  });

  // 4. Upload: every change as a plain change chunk, with our heads.
  const chunks = Automerge.getAllChanges(doc);
  for (const c of chunks) {
    if (c[8] !== CHANGE_CHUNK) fail(`automerge produced a chunk of type ${c[8]}, not a plain change chunk`);
  }
  const heads = Automerge.getHeads(doc);
  const upload = { doc_id: id, kind: "inspection", changes: Buffer.concat(chunks), heads };
  const resp = await request("POST", "/v1/sync", { protocol: PROTOCOL, cursor: first.cursor, reference_version: reference.version, uploads: [upload] });
  const result = resp.results?.[0];
  if (!result || resp.results.length !== 1) fail(`expected one upload result, got ${JSON.stringify(resp.results)}`);
  if (result.doc_id !== id) fail(`the result is for ${result.doc_id}, not ${id}`);
  if (result.status !== "accepted") fail(`the server refused the inspection: ${result.status}: ${result.reason}`);
  const sorted = (h) => [...h].sort().join(",");
  if (sorted(result.heads) !== sorted(heads)) fail(`server heads ${result.heads} differ from ours ${heads}`);

  const out = {
    inspection_id: id,
    site_id: site.id,
    template_id: template.id,
    template_version: template.version,
    actor,
    changes: chunks.length,
    heads,
    answers: Object.fromEntries(answers.map(({ item, value }) => [item.id, value])),
    finding: { id: finding.id, item_id: finding.item_id, description: finding.description, grade: finding.grade, deadline: finding.deadline },
  };
  process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch((e) => {
  process.stderr.write(`conformance client: ${e instanceof Failure ? e.message : e.stack || e}\n`);
  process.exit(1);
});
