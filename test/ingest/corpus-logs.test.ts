import { test } from 'node:test';
import assert from 'node:assert/strict';
import fg from 'fast-glob';
import { collect, corpus, NO_SHARED, SHARED } from '../helpers/paths.js';

/**
 * Lines of the shared corpus that are counted as unrecognised, with the first line number. Each was
 * read by a person: test-suite markers (`******** SERVER ********`), a continuation line split off
 * a Postfix status (`ir/)`), an Exim line missing its syslog timestamp, and RCPT rejects cut short
 * upstream (`Service unavailable...`, `f$`, `<censored>` clients) whose recipient is lost.
 */
const EXPECTED_UNRECOGNISED: Record<string, [count: number, first: number]> = {
  'exim/exim-testsuite/log-0612.log': [1, 112],
  'exim/fail2ban-exim.log': [1, 15],
  'postfix/crowdsec-hub-postfix-logs.log': [1, 2],
  'postfix/crowdsec-hub-postfix-spam.log': [2, 5],
  'postfix/lightmeter-controlcenter/individual_files/18_expired.log': [1, 28],
  'postfix/wazuh-0220-postfix_decoders-examples.log': [1, 8],
  'postfix/wazuh-postfix-ini.log': [2, 1],
  'postfix/wazuh-ruleset-0030-postfix-ini.log': [38, 1],
};

test('every Postfix and Exim corpus log (not *.msg.log) reads without error, every line accounted for', async (t) => {
  if (NO_SHARED || !SHARED) return t.skip(NO_SHARED || '');
  const files = (await fg(['postfix/**/*', 'exim/**/*'], { cwd: corpus('logs'), onlyFiles: true })).filter((f) => !f.endsWith('.msg.log')).sort();
  assert.ok(files.length > 70);
  const unrecognised: Record<string, [number, number]> = {};
  let events = 0;
  for (const f of files) {
    const { stream } = await collect([corpus('logs', f)], { year: 2024 });
    assert.deepEqual(stream.errors.map((e) => e.message), [], f);
    const s = stream.inputs[0]!;
    assert.ok(s.format === 'postfix' || s.format === 'exim', `${f}: detected as ${s.format}`);
    assert.equal(s.eventRecords + s.nonEvents + s.otherTotal + s.unrecognised + s.blank, s.records, `${f}: lines accounted for`);
    if (s.unrecognised) unrecognised[f] = [s.unrecognised, s.firstUnrecognised!];
    events += s.events;
  }
  assert.deepEqual(unrecognised, EXPECTED_UNRECOGNISED);
  assert.ok(events > 800, `${events} events`);
});
