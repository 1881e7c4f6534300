#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// tasknet_test.js - runs the example network and checks its logs, spans and exports against spec chapters 10, 12 and 13.
//
//   node examples/tasknet/tests/tasknet_test.js --bin build/tasknet --work build/tasknet/test
//
// Three runs: A with OTEL_EXPORTER_OTLP_ENDPOINT pointing at a receiver this
// script starts on 127.0.0.1; B with OTEL_SERVICE_NAME set; C with
// OTEL_TRACES_SAMPLER=always_off. Prints "N passed, N failed".
'use strict';

const fs = require('fs');
const path = require('path');
const { spawn, spawnSync } = require('child_process');
const { decodeFile, decodeLine } = require('./otlp_json');
const { startReceiver } = require('./otlp_receiver');
const { propagatorCases } = require('./propagator_cases');

const argv = process.argv.slice(2);
const opt = (name, dflt) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
const BIN = opt('--bin', 'build/tasknet');
const WORK = opt('--work', 'build/tasknet/test');
const RUN_BUDGET_MS = 30000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HEX = (n) => new RegExp(`^[0-9a-f]{${n}}$`);
const RFC3339_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const LEVELS = ['trace', 'debug', 'info', 'warn', 'error'];
const SECRETS = ['alice', 'bob%40', 'bob@', 'example.org'];
const SHIPPERS = ['coordinator', 'executor-1', 'executor-2'];

// ---- running the network ------------------------------------------------------

function runNetwork(name, env) {
  const out = path.join(WORK, name);
  fs.rmSync(out, { recursive: true, force: true });
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(path.join(BIN, 'tasknet'), ['--out', out], {
      env: { ...cleanEnv(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_BUDGET_MS);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ name, out, code, stdout, stderr, ms: Date.now() - t0, ...load(out) });
    });
  });
}

function cleanEnv() {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('OTEL_')) delete env[k];
  return env;
}

function readLines(file) {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter((l) => l) : [];
}

function load(out) {
  const logs = [];
  const logDir = path.join(out, 'logs');
  for (const f of fs.existsSync(logDir) ? fs.readdirSync(logDir).sort() : [])
    for (const line of readLines(path.join(logDir, f))) logs.push({ file: f, raw: line, ...JSON.parse(line) });
  const spans = [];
  const otlp = {};
  const zipkin = {};
  const spanDir = path.join(out, 'spans');
  for (const f of fs.existsSync(spanDir) ? fs.readdirSync(spanDir).sort() : []) {
    const file = path.join(spanDir, f);
    if (f.endsWith('.otlp.jsonl')) {
      otlp[f] = fs.readFileSync(file, 'utf8');
      for (const line of readLines(file))
        for (const rs of JSON.parse(line).resourceSpans) {
          const res = Object.fromEntries(rs.resource.attributes.map((a) => [a.key, Object.values(a.value)[0]]));
          for (const ss of rs.scopeSpans)
            for (const s of ss.spans)
              spans.push({ ...s, peer: res['p2p.peer.name'], service: res['service.name'], attr: attrs(s.attributes) });
        }
    } else if (f.endsWith('.zipkin.json')) {
      zipkin[f] = fs.readFileSync(file, 'utf8');
    }
  }
  const aggregate = readLines(path.join(out, 'aggregate', 'aggregator', 'aggregate.jsonl')).map((l) => JSON.parse(l));
  return { logs, spans, otlp, zipkin, aggregate };
}

function attrs(list) {
  return Object.fromEntries((list || []).map((a) => [a.key, Object.values(a.value)[0]]));
}

// The three task correlation-ids in submission order, from the driver's output.
function taskIds(run) {
  return [...run.stdout.matchAll(/^ {2}task \d \S+\s+(\S+)/gm)].map((m) => m[1]);
}

// ---- a tiny harness -------------------------------------------------------------

const results = [];
function test(name, fn) {
  try {
    fn();
    results.push([name, null]);
  } catch (e) {
    results.push([name, e.message || String(e)]);
  }
}
function ok(cond, msg) {
  if (!cond) throw new Error(msg);
}
function eq(a, b, msg) {
  if (a !== b) throw new Error(`${msg}: expected ${JSON.stringify(b)}, got ${JSON.stringify(a)}`);
}

// ---- the checks -------------------------------------------------------------------

function checks(A, B, C, receiver) {
  const [t1, t2, t3, t4] = taskIds(A);
  const forTask = (run, corr) => run.logs.filter((l) => l.correlation_id === corr);
  const spansOf = (run, corr) => run.spans.filter((s) => s.attr['tracewire.correlation_id'] === corr);
  const debugPeers = (run, corr) => new Set(forTask(run, corr).filter((l) => l.level === 'debug').map((l) => l.peer));
  const taskPeers = (run, corr) => new Set(forTask(run, corr).map((l) => l.peer));

  test('test_network_runs_three_tasks_and_stops_by_itself_within_budget', () => {
    for (const run of [A, B, C]) {
      eq(run.code, 0, `run ${run.name} exit status (stderr: ${run.stderr.trim()})`);
      ok(/all tasks completed/.test(run.stdout), `run ${run.name} did not complete every task`);
      ok(run.ms < RUN_BUDGET_MS, `run ${run.name} took ${run.ms} ms`);
    }
    eq(taskIds(A).length, 4, 'tasks reported by the driver');
    for (const m of A.stdout.matchAll(/pid (\d+)/g)) {
      let alive = true;
      try {
        process.kill(Number(m[1]), 0);
      } catch (e) {
        alive = false;
      }
      ok(!alive, `peer process ${m[1]} is still running`);
    }
  });

  test('test_every_log_line_has_the_logging_standard_fields', () => {
    for (const run of [A, B, C])
      for (const l of run.logs) {
        const where = `${run.name} ${l.file}: ${l.raw.slice(0, 120)}`;
        ok(RFC3339_MS.test(l.timestamp), `timestamp: ${where}`);
        ok(LEVELS.includes(l.level), `level: ${where}`);
        eq(`${l.peer}.jsonl`, l.file, `peer field of ${where}`);
        ok(typeof l.message === 'string' && l.message.length > 0, `message: ${where}`);
        ok(typeof l.event === 'string' && l.event.length > 0, `event: ${where}`);
        ok(UUID.test(l.correlation_id || ''), `correlation_id: ${where}`);
        ok(HEX(32).test(l.trace_id || '') && HEX(16).test(l.span_id || '') && HEX(2).test(l.trace_flags || ''),
          `trace_id/span_id/trace_flags: ${where}`);
        const keys = Object.keys(JSON.parse(l.raw));
        eq(keys.slice(0, 4).join(), 'timestamp,level,peer,message', `field order of ${where}`);
      }
  });

  test('test_every_log_line_of_a_task_carries_the_trace_id_of_that_task', () => {
    const traces = [t1, t2, t3, t4].map((corr) => new Set(forTask(A, corr).map((l) => l.trace_id)));
    traces.forEach((set, i) => eq(set.size, 1, `distinct trace_ids in the log lines of task ${i + 1}`));
    eq(new Set(traces.map((s) => [...s][0])).size, 4, 'the four tasks have four different traces');
    for (const [i, corr] of [t1, t2, t3, t4].entries()) {
      if (corr === t3) continue; // not sampled: no spans
      const spanTraces = new Set(spansOf(A, corr).map((s) => s.traceId));
      eq([...spanTraces].join(), [...traces[i]].join(), `task ${i + 1}: trace of its spans and of its log lines`);
    }
    const byTrace = new Map();
    for (const l of A.logs) {
      if (!byTrace.has(l.trace_id)) byTrace.set(l.trace_id, new Set());
      byTrace.get(l.trace_id).add(l.correlation_id);
    }
    for (const [trace, corrs] of byTrace) eq(corrs.size, 1, `correlation-ids sharing trace ${trace}`);
  });

  test('test_correlation_ids_are_uuidv7_and_trace_ids_carry_the_random_flag', () => {
    for (const corr of [t1, t2, t3, t4]) eq(corr[14], '7', `UUID version of ${corr}`);
    for (const l of A.logs) ok((parseInt(l.trace_flags, 16) & 0x02) !== 0, `random flag in ${l.raw.slice(0, 100)}`);
  });

  test('test_no_orphan_spans_and_no_broken_parents', () => {
    for (const run of [A, B]) {
      const ids = new Map(run.spans.map((s) => [s.spanId, s]));
      for (const s of run.spans) {
        if (!s.parentSpanId) continue;
        const p = ids.get(s.parentSpanId);
        ok(p, `${run.name}: ${s.name} on ${s.peer} has parent ${s.parentSpanId} that no peer recorded`);
        eq(p.traceId, s.traceId, `${run.name}: trace of the parent of ${s.name}`);
      }
      const roots = run.spans.filter((s) => !s.parentSpanId).map((s) => s.name).sort();
      eq(roots.join(), ['p2p.message.receive', 'task.submit', 'task.submit', 'tasknet.run'].join(), `${run.name}: root spans`);
    }
    const view = spawnSync(path.join(BIN, 'tasknet-view'), ['--check', A.out], { encoding: 'utf8' });
    eq(view.status, 0, `tasknet-view --check (output: ${view.stdout.slice(-400)})`);
    ok(/orphan spans: 0; broken parents: 0/.test(view.stdout), 'view summary');
    ok(/log lines without correlation-id: 0/.test(view.stdout), 'view summary of log lines');
    for (const corr of [t1, t2, t3, t4]) ok(view.stdout.includes(`task ${corr}`), `the view prints task ${corr}`);
  });

  test('test_trace_view_flags_orphans_broken_parents_and_lines_without_correlation_id', () => {
    const bad = path.join(WORK, 'broken');
    fs.rmSync(bad, { recursive: true, force: true });
    fs.mkdirSync(path.join(bad, 'spans'), { recursive: true });
    fs.mkdirSync(path.join(bad, 'logs'), { recursive: true });
    const otlp = A.otlp['executor-2.otlp.jsonl'].replace(/"parentSpanId":"[0-9a-f]{16}"/, '"parentSpanId":"00000000000000aa"');
    fs.writeFileSync(path.join(bad, 'spans', 'executor-2.otlp.jsonl'), otlp);
    for (const f of Object.keys(A.otlp).filter((f) => f !== 'executor-2.otlp.jsonl'))
      fs.writeFileSync(path.join(bad, 'spans', f), A.otlp[f]);
    const lines = readLines(path.join(A.out, 'logs', 'relay.jsonl'));
    lines[0] = lines[0].replace(/"correlation_id":"[^"]*",/, '');
    fs.writeFileSync(path.join(bad, 'logs', 'relay.jsonl'), lines.join('\n') + '\n');
    const view = spawnSync(path.join(BIN, 'tasknet-view'), ['--check', bad], { encoding: 'utf8' });
    eq(view.status, 1, 'tasknet-view --check exit status on broken input');
    ok(/orphan spans: 1;/.test(view.stdout), `orphan reported: ${view.stdout.slice(-300)}`);
    ok(/log lines without correlation-id: 1;/.test(view.stdout), 'uncorrelated line reported');
    ok(/ORPHAN: parent 00000000000000aa not found/.test(view.stdout), 'orphan marked in the tree');
  });

  test('test_relay_reports_no_span_and_forwards_the_hop_context_bit_identical', () => {
    const relayTaskSpans = A.spans.filter((s) => s.peer === 'relay' && [t1, t2].includes(s.attr['tracewire.correlation_id']));
    eq(relayTaskSpans.length, 0, 'relay spans in task traces');
    for (const corr of [t1, t2]) {
      const send = spansOf(A, corr).find((s) => s.peer === 'submitter' && s.name === 'p2p.message.send');
      const recv = spansOf(A, corr).find((s) => s.peer === 'coordinator' && s.name === 'p2p.message.receive' &&
        s.attr['tasknet.message.kind'] === 'submit');
      ok(send && recv, 'submitter send span and coordinator receive span');
      eq(recv.parentSpanId, send.spanId, 'the coordinator continues from the submitter\'s send span');
      eq(recv.attr['p2p.remote.peer'], 'relay', 'the frame came through the relay');
    }
    // The debug-hinted task shows the block bytes at each hop.
    const blk = (peer, ev) => forTask(A, t2).find((l) => l.peer === peer && l.event === ev && l['tasknet.message.kind'] !== 'result' &&
      (ev !== 'p2p.message.received' || l['tasknet.message.kind'] === 'submit'));
    const sent = blk('submitter', 'p2p.message.sent');
    const kept = blk('relay', 'p2p.gossip.forward_bytes');
    const got = blk('coordinator', 'p2p.message.received');
    ok(sent && kept && got, 'debug lines with the block bytes on submitter, relay and coordinator');
    eq(kept['tracewire.hop.block'], sent['tracewire.hop.block'], 'block seen by the relay');
    eq(got['tracewire.hop.block'], sent['tracewire.hop.block'], 'block received by the coordinator');
  });

  test('test_receiver_links_to_the_origin_context_of_a_relayed_message', () => {
    const publish = spansOf(A, t1).find((s) => s.name === 'p2p.gossip.publish');
    const recv = spansOf(A, t1).find((s) => s.peer === 'coordinator' && s.name === 'p2p.message.receive' &&
      s.attr['tasknet.message.kind'] === 'submit');
    const link = (recv.links || []).find((l) => attrs(l.attributes)['tracewire.link.relation'] === 'origin');
    ok(link, 'origin link on the coordinator\'s receive span');
    eq(link.spanId, publish.spanId, 'the origin context names the publish span');
    eq(recv.attr['tracewire.context.source'], 'hop', 'parent taken from the hop context');
  });

  test('test_frame_with_an_invalid_header_is_processed_and_a_correlation_id_minted', () => {
    ok(/task 4 legacy\s+\S+\s+ok/.test(A.stdout), 'the legacy client got its result');
    const minted = forTask(A, t4).filter((l) => l.event === 'correlation_id.minted');
    eq(minted.length, 1, 'correlation_id.minted records');
    eq(minted[0].peer, 'coordinator', 'peer that minted');
    eq(minted[0].reason, 'header_invalid', 'reason');
    const root = spansOf(A, t4).find((s) => !s.parentSpanId);
    ok(root && root.name === 'p2p.message.receive', 'the receive span starts the new trace');
    eq(root.attr['tracewire.context.source'], 'none', 'context source');
    eq(root.attr['tracewire.hop.error'], 'TW_E_ID_LENGTH', 'why the hop context was unusable');
    ok(spansOf(A, t4).some((s) => s.name === 'task.execute' && s.attr['task.status'] === 'ok'), 'the task was executed');
  });

  test('test_retry_keeps_the_correlation_id_under_a_new_span_in_the_same_trace_linked_to_the_failure', () => {
    const execs = spansOf(A, t1).filter((s) => s.name === 'task.execute').sort((a, b) => a.attr['task.attempt'] - b.attr['task.attempt']);
    eq(execs.length, 2, 'task.execute spans of task 1');
    eq(execs[0].attr['task.attempt'], '1', 'first attempt');
    eq(execs[0].peer, 'executor-1', 'first attempt ran on');
    eq(execs[0].status && execs[0].status.code, 2, 'first attempt status (ERROR)');
    eq(execs[1].attr['task.attempt'], '2', 'second attempt');
    eq(execs[1].peer, 'executor-2', 'second attempt ran on');
    ok(execs[0].spanId !== execs[1].spanId, 'the retry has a new span');
    eq(execs[0].traceId, execs[1].traceId, 'the retry continues the same trace (spec 13 §13.5)');
    const assigns = spansOf(A, t1).filter((s) => s.name === 'task.assign');
    eq(assigns.length, 2, 'task.assign spans of task 1');
    const retry = assigns.find((s) => s.attr['task.attempt'] === '2');
    const link = (retry.links || []).find((l) => attrs(l.attributes)['tracewire.link.relation'] === 'retry_of');
    ok(link && link.spanId === execs[0].spanId, 'the retry links to the failed attempt\'s task.execute span');
    eq(assigns[0].parentSpanId, assigns[1].parentSpanId, 'both attempts continue from the same stored context');
    const retryLog = forTask(A, t1).find((l) => l.event === 'task.retry');
    ok(retryLog && retryLog.level === 'warn', 'the coordinator logs task.retry at warn with the task\'s correlation-id');
  });

  test('test_task_record_is_stored_in_json_form_and_attempts_continue_from_it', () => {
    for (const corr of [t1, t2, t3, t4]) {
      const rec = JSON.parse(fs.readFileSync(path.join(A.out, 'store', 'coordinator', `${corr}.json`), 'utf8'));
      eq(rec.correlation_id, corr, 'correlation_id in the record');
      ok(HEX(32).test(rec.trace_id) && HEX(16).test(rec.span_id) && HEX(2).test(rec.trace_flags), 'context keys of the JSON form');
      eq(rec['task.state'], 'done', `state of ${corr}`);
      ok(!Buffer.from(rec.origin_header, 'hex').toString('latin1').includes('user.email'), 'no baggage in the origin context');
      if (corr !== t3)
        for (const a of spansOf(A, corr).filter((s) => s.name === 'task.assign'))
          eq(a.parentSpanId, rec.span_id, 'task.assign continues from the stored span-id');
    }
    const rec1 = JSON.parse(fs.readFileSync(path.join(A.out, 'store', 'coordinator', `${t1}.json`), 'utf8'));
    eq(rec1['task.attempts'], 2, 'attempts of task 1');
  });

  test('test_debug_hinted_task_logs_at_debug_on_every_peer_it_reaches', () => {
    const peers = taskPeers(A, t2);
    for (const p of ['submitter', 'relay', 'coordinator']) ok(peers.has(p), `task 2 reached ${p}`);
    const dbg = debugPeers(A, t2);
    for (const p of peers) ok(dbg.has(p), `${p} wrote no debug line for the debug-hinted task`);
    const hinted = spansOf(A, t2).filter((s) => s.name === 'task.submit')[0];
    eq(hinted.traceState, 'tw=log:debug', 'tracestate of the debug-hinted task');
    for (const p of ['submitter', 'executor-1', 'executor-2'])
      ok(!debugPeers(A, t1).has(p), `${p} logged task 1 (no hint) at debug`);
  });

  test('test_sigusr1_raises_the_relay_level_while_it_runs', () => {
    const change = A.logs.find((l) => l.peer === 'relay' && l.event === 'log.level.changed');
    ok(change, 'relay logs log.level.changed');
    eq(change['log.level.cause'], 'SIGUSR1', 'cause');
    eq(`${change['log.level.old']}->${change['log.level.new']}`, 'info->debug', 'levels');
    ok(!debugPeers(A, t1).has('relay'), 'relay logged task 1 at debug before the signal');
    ok(debugPeers(A, t3).has('relay'), 'relay logs task 3 (no hint) at debug after the signal');
  });

  test('test_control_frame_sets_the_coordinator_level_while_it_runs', () => {
    const change = A.logs.find((l) => l.peer === 'coordinator' && l.event === 'log.level.changed');
    ok(change, 'coordinator logs log.level.changed');
    eq(change['log.level.cause'], 'control frame', 'cause');
    ok(!debugPeers(A, t1).has('coordinator'), 'coordinator logged task 1 at debug before the control frame');
    ok(debugPeers(A, t3).has('coordinator'), 'coordinator logs task 3 at debug after the control frame');
  });

  test('test_baggage_keys_off_the_allow_list_are_redacted_in_every_line', () => {
    let withBaggage = 0;
    const all = [...A.logs.map((l) => l.raw), ...A.aggregate.map((l) => JSON.stringify(l))];
    for (const raw of all)
      for (const s of SECRETS) {
        ok(!raw.includes(s), `"${s}" leaked: ${raw.slice(0, 160)}`);
        ok(!raw.includes(Buffer.from(s).toString('hex')), `"${s}" leaked in hex: ${raw.slice(0, 160)}`);
      }
    for (const l of forTask(A, t1).concat(forTask(A, t2))) {
      if (!l.baggage) continue;
      withBaggage++;
      eq(l.baggage['user.email'], '[redacted]', 'user.email');
      eq(l.baggage.tenant, 'acme-labs', 'tenant (allow-listed)');
    }
    ok(withBaggage > 5, `only ${withBaggage} lines show baggage`);
  });

  test('test_log_shipping_is_opt_in_per_peer', () => {
    ok(A.aggregate.length > 10, `aggregate holds ${A.aggregate.length} lines`);
    const shipped = new Set(A.aggregate.map((l) => l.peer));
    eq([...shipped].sort().join(), SHIPPERS.join(), 'peers whose lines reached the aggregator');
    for (const l of A.aggregate) eq(l['aggregator.shipped_by'], l.peer, 'shipped by the peer that wrote it');
  });

  test('test_aggregator_assigns_retention_classes_by_level_and_sampled_flag', () => {
    const policy = (level, flags) => {
      const sampled = (parseInt(flags, 16) & 1) === 1;
      if (level === 'error' || level === 'warn') return 30;
      if (level === 'info') return sampled ? 14 : 7;
      if (level === 'debug') return sampled ? 3 : 1;
      return sampled ? 1 : 0;
    };
    const seen = new Set();
    for (const l of A.aggregate) {
      eq(l['retention.days'], policy(l.level, l.trace_flags), `retention of a ${l.level} line with flags ${l.trace_flags}`);
      const expires = Date.parse(l['retention.expires_at']) - Date.parse(l['aggregator.received_at']);
      eq(expires, l['retention.days'] * 86400000, 'expires_at = received_at + days');
      seen.add(l['retention.class']);
    }
    for (const c of ['incident', 'info-sampled', 'info', 'debug']) ok(seen.has(c), `no line of class ${c}`);
  });

  test('test_retention_sweep_removes_expired_lines', () => {
    const file = path.join(WORK, 'sweep.jsonl');
    const line = (expires) => JSON.stringify({ level: 'info', message: 'x', 'retention.expires_at': expires });
    fs.writeFileSync(file, [line('2001-01-01T00:00:00.000Z'), line('2999-01-01T00:00:00.000Z'), 'not json'].join('\n') + '\n');
    const r = spawnSync(path.join(BIN, 'tasknet-peer'), ['--sweep', file], { encoding: 'utf8' });
    eq(r.status, 0, 'sweep exit status');
    const left = readLines(file);
    eq(left.length, 1, 'lines left');
    ok(left[0].includes('2999'), 'the unexpired line is kept');
  });

  test('test_unsampled_task_records_no_spans_but_every_line_joins', () => {
    eq(spansOf(A, t3).length, 0, 'spans of the unsampled task');
    const lines = forTask(A, t3);
    ok(lines.length >= 8, `log lines of task 3: ${lines.length}`);
    for (const l of lines) eq(l.trace_flags, '02', 'flags of the unsampled task (random, not sampled)');
    ok(taskPeers(A, t3).size >= 4, 'task 3 logged on four peers');
  });

  test('test_otlp_files_decode_with_the_official_protobuf_definitions', () => {
    let total = 0;
    for (const [f, text] of Object.entries(A.otlp)) for (const r of decodeFile(text, f)) total += r.spans;
    eq(total, A.spans.length, 'spans decoded');
    ok(total > 50, `only ${total} spans`);
  });

  test('test_otlp_decoder_rejects_broken_files', () => {
    const line = A.otlp['coordinator.otlp.jsonl'].split('\n')[0];
    const broken = {
      'cut short': line.slice(0, line.length - 7),
      'snake_case key': line.replace('"parentSpanId"', '"parent_span_id"'),
      'upper-case hex id': line.replace(/"traceId":"([0-9a-f]{32})"/, (m, h) => `"traceId":"${h.toUpperCase()}"`),
      'base64 id': line.replace(/"spanId":"([0-9a-f]{16})"/, (m, h) => `"spanId":"${Buffer.from(h, 'hex').toString('base64')}"`),
      'enum by name': line.replace(/"kind":(\d)/, '"kind":"SPAN_KIND_INTERNAL"'),
      'int64 not a number': line.replace(/"startTimeUnixNano":"\d+"/, '"startTimeUnixNano":"yesterday"'),
      'unknown field': line.replace('"name":', '"operationName":"x","name":'),
      'string where a message is': line.replace(/"scope":\{[^}]*\}/, '"scope":"tasknet"'),
    };
    for (const [what, text] of Object.entries(broken)) {
      ok(text !== line, `mutation "${what}" changed nothing`);
      let threw = false;
      try {
        decodeLine(text, what);
      } catch (e) {
        threw = true;
      }
      ok(threw, `a file with ${what} decoded`);
    }
    decodeLine(line, 'unchanged'); // and the original still decodes
  });

  test('test_otlp_http_export_posts_json_to_v1_traces', () => {
    ok(receiver.requests.length >= Object.keys(A.otlp).length, `${receiver.requests.length} requests received`);
    let total = 0;
    for (const r of receiver.requests) {
      eq(r.method, 'POST', 'method');
      eq(r.url, '/v1/traces', 'path');
      eq(r.contentType, 'application/json', 'content type');
      total += decodeLine(r.body, 'http body').spans;
    }
    eq(total, A.spans.length, 'spans received over OTLP/HTTP equal the spans in the files');
  });

  test('test_zipkin_files_parse_with_the_same_spans', () => {
    let total = 0;
    for (const [f, text] of Object.entries(A.zipkin)) {
      const list = JSON.parse(text);
      ok(Array.isArray(list), `${f} is a JSON array`);
      const peer = f.replace('.zipkin.json', '');
      const otlpIds = A.spans.filter((s) => s.peer === peer).map((s) => s.spanId).sort();
      eq(list.map((s) => s.id).sort().join(), otlpIds.join(), `span ids of ${peer}`);
      for (const s of list) {
        ok(HEX(32).test(s.traceId) && HEX(16).test(s.id), `ids of ${s.name}`);
        ok(!s.parentId || HEX(16).test(s.parentId), 'parentId');
        ok(Number.isInteger(s.timestamp) && Number.isInteger(s.duration) && s.duration >= 1, 'timestamp and duration in microseconds');
        ok(!s.kind || ['CLIENT', 'SERVER', 'PRODUCER', 'CONSUMER'].includes(s.kind), `kind ${s.kind}`);
        eq(s.localEndpoint.serviceName, peer, 'serviceName');
        for (const v of Object.values(s.tags)) eq(typeof v, 'string', 'tag value type');
      }
      total += list.length;
    }
    eq(total, A.spans.length, 'Zipkin span count equals the OTLP span count');
  });

  test('test_service_name_defaults_to_the_peer_name', () => {
    for (const s of A.spans) eq(s.service, s.peer, `service.name of ${s.name}`);
  });

  test('test_otel_service_name_is_honoured', () => {
    ok(B.spans.length > 50, 'run B recorded spans');
    for (const s of B.spans) eq(s.service, 'tasknet-test', `service.name of ${s.name} on ${s.peer}`);
    eq(new Set(B.spans.map((s) => s.peer)).size, 7, 'p2p.peer.name still tells the peers apart');
    for (const text of Object.values(B.zipkin)) for (const s of JSON.parse(text)) eq(s.localEndpoint.serviceName, 'tasknet-test', 'Zipkin serviceName');
  });

  test('test_sampler_always_off_records_no_spans_but_logs_stay_joined', () => {
    eq(C.spans.length, 0, 'spans recorded with OTEL_TRACES_SAMPLER=always_off');
    ok(C.logs.length > 50, 'log lines written');
    for (const l of C.logs) eq(parseInt(l.trace_flags, 16) & 1, 0, 'sampled flag');
  });

  propagatorCases(test, ok, eq, JSON.parse(fs.readFileSync(path.join(A.out, 'store', 'coordinator', `${t1}.json`), 'utf8')));
}

async function main() {
  fs.mkdirSync(WORK, { recursive: true });
  const receiver = await startReceiver();
  const A = await runNetwork('run-a', { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}` });
  const B = await runNetwork('run-b', { OTEL_SERVICE_NAME: 'tasknet-test' });
  const C = await runNetwork('run-c', { OTEL_TRACES_SAMPLER: 'always_off' });
  await receiver.close();
  if (taskIds(A).length !== 4) results.push(['test_driver_output', `driver output:\n${A.stdout}\n${A.stderr}`]);
  else checks(A, B, C, receiver);
  let failed = 0;
  for (const [name, err] of results) {
    if (err) failed++;
    console.log(`${err ? 'FAIL' : 'ok  '} ${name}${err ? `\n     ${err}` : ''}`);
  }
  console.log(`runs: A ${A.ms} ms, B ${B.ms} ms, C ${C.ms} ms; ${A.spans.length} spans, ${A.logs.length} log lines in run A`);
  console.log(`${results.length - failed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  console.log('0 passed, 1 failed');
  process.exit(1);
});
