// Unit tests of the console's pure helpers (money arithmetic, metrics, routes, catalogues), run in
// Node by test/run.mjs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromScaled, isPositive, sumMoney, toScaled } from '../src/decimal';
import { en } from '../src/locales/en';
import { zhHans } from '../src/locales/zh-Hans';
import { zhHant } from '../src/locales/zh-Hant';
import { parseMetrics, quantile } from '../src/metrics';
import { parseRoute } from '../src/router';

test('money is added exactly, without binary floating point', () => {
  assert.equal(sumMoney(['0.10', '0.20']), '0.30');
  assert.equal(sumMoney(['35.00', '95.55', undefined, 'not a number']), '130.55');
  assert.equal(sumMoney(['-1.05', '1.00']), '-0.05');
  assert.equal(sumMoney(['99999999999999999.99', '0.01']), '100000000000000000.00');
  assert.equal(toScaled('12.3', 2), 1230n);
  assert.equal(toScaled('12.345', 2), null);
  assert.equal(toScaled('1e3', 2), null);
  assert.equal(fromScaled(5n, 3), '0.005');
  assert.equal(isPositive('0.000', 3), false);
  assert.equal(isPositive('0.001', 3), true);
});

test('Prometheus text is read, with labels and histogram quantiles', () => {
  const samples = parseMetrics(
    [
      '# HELP twoline_decisions_total decisions',
      '# TYPE twoline_decisions_total counter',
      'twoline_decisions_total{zone="hengqin",outcome="accepted"} 42',
      'twoline_decisions_total{zone="hengqin",outcome="rejected"} 3',
      'twoline_decision_latency_seconds_bucket{le="0.001"} 50',
      'twoline_decision_latency_seconds_bucket{le="0.005"} 98',
      'twoline_decision_latency_seconds_bucket{le="+Inf"} 100',
      'twoline_queue_commands 0',
    ].join('\n'),
  );
  assert.equal(samples.length, 6);
  assert.deepEqual(samples[0], { name: 'twoline_decisions_total', labels: { zone: 'hengqin', outcome: 'accepted' }, value: 42 });
  assert.equal(quantile(samples, 'twoline_decision_latency_seconds', 0.5), 0.001);
  assert.equal(quantile(samples, 'twoline_decision_latency_seconds', 0.9), 0.005);
  assert.equal(quantile(samples, 'twoline_decision_latency_seconds', 0.99), null); // beyond the last bound
  assert.equal(quantile(samples, 'twoline_commit_seconds', 0.5), null);
});

test('hash routes carry the page, its arguments and its query', () => {
  assert.deepEqual(parseRoute(''), { page: '', args: [], params: new URLSearchParams() });
  const route = parseRoute('#/declaration/D%2F1?x=1');
  assert.equal(route.page, 'declaration');
  assert.deepEqual(route.args, ['D/1']);
  assert.equal(route.params.get('x'), '1');
});

test('every catalogue has every message, with the same placeholders', () => {
  const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  for (const [name, catalogue] of Object.entries({ zhHans, zhHant })) {
    assert.deepEqual(Object.keys(catalogue).sort(), Object.keys(en).sort(), name);
    for (const [key, text] of Object.entries(en)) {
      const translated = (catalogue as Record<string, string>)[key];
      assert.deepEqual(placeholders(translated), placeholders(text), `${name} ${key}`);
      assert.ok(translated.trim().length > 0, `${name} ${key} is empty`);
    }
  }
  // The Chinese catalogues are translations, not copies of the English text.
  const untranslated = Object.keys(en).filter(
    (key) => !key.startsWith('language.') && (zhHans as Record<string, string>)[key] === (en as Record<string, string>)[key],
  );
  assert.deepEqual(untranslated, []);
});
