// `--diagnostic-report <file>`: the switch that makes the app write its report and quit (IT, the Windows CI job).
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { reportSwitchOf } from '../../electron/core/diagnostic-report.ts';

const cwd = path.resolve('/srv/it');

test('the report file comes from --diagnostic-report <file> or =<file>, resolved against the working directory', () => {
  assert.equal(reportSwitchOf(['CPxLink.exe', '--diagnostic-report', 'out/report.json'], cwd), path.join(cwd, 'out/report.json'));
  assert.equal(reportSwitchOf(['electron', 'dist/app', '--diagnostic-report=/tmp/r.json'], cwd), path.resolve('/tmp/r.json'));
  assert.equal(reportSwitchOf(['CPxLink.exe'], cwd), null);
  assert.equal(reportSwitchOf(['CPxLink.exe', '--diagnostic-report'], cwd), null, 'no file named');
  assert.equal(reportSwitchOf(['CPxLink.exe', '--diagnostic-report', '--no-sandbox'], cwd), null, 'a switch is not a file');
  assert.equal(reportSwitchOf(['CPxLink.exe', '--diagnostic-report-x', 'a.json'], cwd), null);
});

test('never honoured next to a cpxlink: link, whatever the order: a link must not choose where a file is written', () => {
  const link = 'cpxlink://login?service=https%3A%2F%2Forientation.sante-centre.fr&tx=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
  assert.equal(reportSwitchOf(['CPxLink.exe', '--diagnostic-report', 'r.json', link], cwd), null);
  assert.equal(reportSwitchOf(['CPxLink.exe', link, '--diagnostic-report=r.json'], cwd), null);
  assert.equal(reportSwitchOf(['CPxLink.exe', 'CPXLINK:whatever', '--diagnostic-report=r.json'], cwd), null);
});
