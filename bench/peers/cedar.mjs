// The Cedar side of the peer benchmark (README.md): reads the pool and twoline's answers written by
// build/twoline_peers, decides every request of the pool with the Cedar policy set through
// @cedar-policy/cedar-wasm (a pre-parsed policy set and statefulIsAuthorized), checks that every
// answer equals twoline's — allow or deny, and the rule ids — and measures Cedar's decisions per
// second on the same pool. Exits non-zero when any answer differs.
//
//   node cedar.mjs POOL ANSWERS TWOLINE_FIGURES [SECONDS_MIN]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import cedar from '@cedar-policy/cedar-wasm/nodejs';

const here = path.dirname(fileURLToPath(import.meta.url));
const [poolPath, answersPath, twolineFiguresPath, secondsMinText = '2'] = process.argv.slice(2);
if (!poolPath || !answersPath || !twolineFiguresPath) {
  fail('usage: node cedar.mjs POOL ANSWERS TWOLINE_FIGURES [SECONDS_MIN]');
}
const policySetId = 'twoline-persons';
const differencesShownMax = 10;

function fail(message) {
  console.error(`cedar: ${message}`);
  process.exit(1);
}

function readJsonLines(file) {
  return fs.readFileSync(file, 'utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line));
}

// A calendar date as the Long yyyymmdd (hetao-sz.cedarschema says why).
const dateNumber = (date) => Number(date.replaceAll('-', ''));
const entityOf = (type, id) => ({ __entity: { type, id } });

// The local calendar date of an RFC 3339 instant at the zone's UTC offset, as twoline judges it.
function localDate(at, offsetMinutes) {
  const millis = Date.parse(at);
  if (Number.isNaN(millis)) fail(`unreadable instant ${at}`);
  return new Date(millis + offsetMinutes * 60000).toISOString().slice(0, 10);
}

// Loads the policy set and its schema, validates the policies against the schema (strict), and
// pre-parses the set under ids taken from the policies' @id annotations. Returns, for each policy
// id, twoline's rule id (the @rule annotation; none for the permit).
function preparePolicies(zone) {
  if (!fs.existsSync(path.join(here, `${zone}.cedar`))) fail(`no Cedar policy set for zone ${zone} (${zone}.cedar)`);
  const schema = fs.readFileSync(path.join(here, `${zone}.cedarschema`), 'utf8');
  const text = fs.readFileSync(path.join(here, `${zone}.cedar`), 'utf8');
  const parts = cedar.policySetTextToParts(text);
  if (parts.type !== 'success') fail(`${zone}.cedar: ${JSON.stringify(parts.errors)}`);
  const policies = {};
  const ruleOf = new Map();
  for (const policy of parts.policies) {
    const json = cedar.policyToJson(policy);
    if (json.type !== 'success') fail(`${zone}.cedar: ${JSON.stringify(json.errors)}`);
    const { id, rule } = json.json.annotations ?? {};
    if (!id || id in policies) fail(`${zone}.cedar: every policy needs a unique @id (${id})`);
    policies[id] = policy;
    ruleOf.set(id, rule ?? null);
  }
  const validation = cedar.validate({ schema, policies: { staticPolicies: policies }, validationSettings: { mode: 'strict' } });
  if (validation.type !== 'success') fail(`validation failed: ${JSON.stringify(validation.errors)}`);
  if (validation.validationErrors.length > 0) {
    fail(`${zone}.cedar does not validate against ${zone}.cedarschema: ${JSON.stringify(validation.validationErrors)}`);
  }
  const preparsed = cedar.preparsePolicySet(policySetId, { staticPolicies: policies });
  if (preparsed.type !== 'success') fail(`pre-parsing failed: ${JSON.stringify(preparsed.errors)}`);
  return ruleOf;
}

function gateEntity(gate) {
  const attrs = { line: gate.line, lane: gate.lane };
  if (gate.list) attrs.list = entityOf('List', gate.list);
  if (gate.effective_from) attrs.open_from = dateNumber(gate.effective_from);
  if (gate.effective_until) attrs.open_until = dateNumber(gate.effective_until);
  return { uid: { type: 'Gate', id: gate.id }, attrs, parents: [] };
}

function personEntity(person) {
  const documents = {};
  for (const document of person.documents) {
    if (document.type in documents) fail(`${person.id} holds two documents of type ${document.type}`);
    documents[document.type] = { valid_from: dateNumber(document.valid_from), valid_until: dateNumber(document.valid_until) };
  }
  const parents = (person.lists ?? []).map((list) => ({ type: 'List', id: list }));
  return { uid: { type: 'Person', id: person.id }, attrs: { documents }, parents };
}

// One authorization call per request, built before anything is measured: twoline's side, too,
// decides commands that were parsed beforehand from persons registered beforehand.
function buildCalls(pool) {
  const zone = pool[0].zone;
  if (!zone) fail('the pool starts with its zone');
  const gates = new Map(zone.gates.map((gate) => [gate.id, gateEntity(gate)]));
  const persons = new Map();
  const calls = [];
  const ids = [];
  for (const line of pool.slice(1)) {
    if (line.person) {
      const person = line.person.person;
      persons.set(person.id, personEntity(person));
    } else if (line.request) {
      const request = line.request;
      const person = persons.get(request.person);
      const gate = gates.get(request.gate);
      if (!person || !gate) fail(`${request.id} names an unknown person or gate`);
      ids.push(request.id);
      calls.push({
        principal: { type: 'Person', id: request.person },
        action: { type: 'Action', id: request.direction === 'in' ? 'cross_in' : 'cross_out' },
        resource: { type: 'Gate', id: request.gate },
        context: { date: dateNumber(localDate(request.at, zone.utc_offset_minutes)) },
        entities: [person, gate],
        preparsedPolicySetId: policySetId,
      });
    }
  }
  return { zone: zone.id, calls, ids };
}

function decide(call, ruleOf) {
  const answer = cedar.statefulIsAuthorized(call);
  if (answer.type !== 'success') fail(`authorization failed: ${JSON.stringify(answer.errors)}`);
  const { decision, diagnostics } = answer.response;
  if (diagnostics.errors.length > 0) fail(`a policy failed to evaluate: ${JSON.stringify(diagnostics.errors)}`);
  const rules = diagnostics.reason.map((id) => ruleOf.get(id)).filter((rule) => rule !== null);
  return { allow: decision === 'allow', rules, policies: diagnostics.reason };
}

function sameRules(a, b) {
  const left = [...a].sort();
  const right = [...b].sort();
  return left.length === right.length && left.every((rule, i) => rule === right[i]);
}

const pool = readJsonLines(poolPath);
const answers = readJsonLines(answersPath);
const { zone, calls, ids } = buildCalls(pool);
const ruleOf = preparePolicies(zone);
if (answers.length !== calls.length) fail(`${answers.length} answers from twoline for ${calls.length} requests`);

// The answer round (it also warms the engine up): every request compared with twoline's answer.
const differences = [];
const determining = new Map([...ruleOf.keys()].map((id) => [id, 0]));
for (let i = 0; i < calls.length; ++i) {
  const expected = answers[i];
  if (expected.id !== ids[i]) fail(`answers out of order at ${ids[i]}`);
  const answer = decide(calls[i], ruleOf);
  for (const id of answer.policies) determining.set(id, determining.get(id) + 1);
  const allowExpected = expected.outcome === 'accepted';
  if (answer.allow !== allowExpected || !sameRules(answer.rules, expected.rules)) {
    differences.push(`${ids[i]}: twoline ${expected.outcome} [${expected.rules.join(', ')}], ` +
      `Cedar ${answer.allow ? 'allow' : 'deny'} [${answer.rules.join(', ')}]`);
  }
}
if (differences.length > 0) {
  console.error(`cedar: ${differences.length} of ${calls.length} answers differ from twoline's:`);
  for (const line of differences.slice(0, differencesShownMax)) console.error(`  ${line}`);
  process.exit(1);
}
// Every policy must have decided some request, or the pool does not exercise the whole set.
const unused = [...determining].filter(([, count]) => count === 0).map(([id]) => id);
if (unused.length > 0) fail(`the pool never exercises ${unused.join(', ')}`);

// The measurement: whole rounds over the pool until the minimum time has passed, in wall-clock
// time and in the process's CPU time (which other work on a shared machine disturbs less; it
// includes V8's helper threads, such as the garbage collector's).
function measure(calls, secondsMin) {
  let decided = 0;
  let denied = 0;
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  let seconds = 0;
  do {
    for (const call of calls) {
      if (cedar.statefulIsAuthorized(call).response.decision === 'deny') ++denied;
    }
    decided += calls.length;
    seconds = Number(process.hrtime.bigint() - start) / 1e9;
  } while (seconds < secondsMin);
  const cpu = process.cpuUsage(cpuStart);
  return { decided, denied, rate: decided / seconds, seconds, cpuRate: decided / ((cpu.user + cpu.system) / 1e6) };
}

const secondsMin = Number(secondsMinText);
const measured = measure(calls, secondsMin);
if (measured.denied === 0) fail('no request was denied in the measured rounds');
// The floor: the same calls against a set of one unconditional permit, which is what a call costs
// before any policy of ours is evaluated (passing the request and its entities into the engine).
const floorPolicies = { staticPolicies: { floor: 'permit (principal, action, resource);' } };
if (cedar.preparsePolicySet('floor', floorPolicies).type !== 'success') fail('pre-parsing the floor failed');
const floor = measure(calls.map((call) => ({ ...call, preparsedPolicySetId: 'floor' })), secondsMin);

const twoline = JSON.parse(fs.readFileSync(twolineFiguresPath, 'utf8'));
const twolineRate = twoline.decisions / (twoline.wall_microseconds / 1e6);
const twolineCpuRate = twoline.decisions / (twoline.cpu_microseconds / 1e6);
const format = (n) => Math.round(n).toLocaleString('en-US');
console.log(`answers: all ${format(calls.length)} requests agree (allow/deny and rule ids; ${ruleOf.size} policies, each deciding some request)`);
console.log(`cedar:   ${format(measured.decided)} decisions in ${measured.seconds.toFixed(2)} s = ${format(measured.rate)} decisions/s ` +
  `(${format(measured.cpuRate)} per CPU second; cedar-wasm ${cedar.getCedarVersion()}, statefulIsAuthorized, Node ${process.versions.node})`);
console.log(`floor:   ${format(floor.rate)} calls/s (${format(floor.cpuRate)} per CPU second) with the same requests against one unconditional permit`);
console.log(`ratio:   twoline ${format(twolineRate)}/s ÷ Cedar ${format(measured.rate)}/s = ${(twolineRate / measured.rate).toFixed(0)}× ` +
  `(per CPU second: ${format(twolineCpuRate)} ÷ ${format(measured.cpuRate)} = ${(twolineCpuRate / measured.cpuRate).toFixed(0)}×)`);
