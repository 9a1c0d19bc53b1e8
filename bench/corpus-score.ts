/**
 * Score bouncelens's bounce reader against the DSN corpus labels (Sisimai 4.25, see
 * ../shared/corpus/dsn/SOURCES.md). Used by `npm run corpus` and by test/corpus/dsn.test.ts.
 */

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readEvents } from '../src/ingest/index.js';
import type { BounceClass, DeliveryEvent } from '../src/types.js';

interface Label {
  file: string;
  message: number | null;
  recipient?: string;
  reason: string | null;
  status?: string | null;
}

/**
 * Files where we are sure the Sisimai 4.25 label is wrong, with the reason. Read by a person;
 * kept short. A pair listed here counts as agreeing for precision.
 */
export const SISIMAI_WRONG: Record<string, string> = {
  // Sisimai 4.25 calls any refusal after DATA `filtered`; these replies say the user does not exist.
  'maildir/bsd/lhost-courier-02.eml': '"550 Unknown user kijitora@example.jp" after DATA',
  'maildir/bsd/lhost-mailru-07.eml': '"550 : User unknown" after end of data',
  'maildir/bsd/lhost-postfix-03.eml': '"550 Unknown user kijitora@example.net" after end of DATA',
  'maildir/bsd/lhost-postfix-35.eml': '"550 : User unknown" after end of DATA',
  'maildir/bsd/lhost-sendmail-19.eml': '"550 Unknown user kijitora@ntt.example.ne.jp" after DATA',
  'maildir/bsd/lhost-sendmail-40.eml': '"550 Unknown user kijitora@ntt.example.ne.jp" after DATA',
  'maildir/bsd/lhost-sendmail-48.eml': '"Recipient address rejected: User unknown" after DATA',
  'maildir/bsd/rhost-nttdocomo-03.eml': '"550 Unknown user …" after end of DATA (Sisimai: rejected)',
  'maildir/bsd/lhost-sendmail-02.eml': '"550 5.1.1 <userunknown@…>... User Unknown" and "550 5.2.1 <filtered@…>... User Unknown", then DATA refused for want of a recipient',
  // Replies that say "User unknown" in so many words, which Sisimai 4.25 files as `filtered`.
  'maildir/bsd/lhost-messagingserver-03.eml': '"550 5.7.1 550 User Unknown: sabineko@…" (and mikeneko)',
  'maildir/bsd/lhost-x1-02.eml': '"kijitora@example.org [User unknown]"',
  'maildir/bsd/lhost-x1-03.eml': '"kijitora@example.org [User unknown]"',
  'maildir/bsd/rfc3464-35.eml': 'mikeneko: "550 user unknown"',
  // Sisimai gives every recipient the last recipient's reply.
  'maildir/bsd/lhost-postfix-13.eml': 'kijitora\'s own Diagnostic-Code is "550 5.2.1 <kijitora@…>... User Unknown"; "Mailbox Full" is noraneko\'s',
  // Provider texts that name a missing account, which Sisimai 4.25 files as `filtered`.
  'maildir/bsd/lhost-amazonses-02.eml': '"550-\'Unknown user this-local-part-does-not-exist-on-the-server@…\'"',
  'maildir/bsd/lhost-receivingses-02.eml': '"550 5.1.1 Mailbox does not exist"',
  'maildir/bsd/lhost-x2-01.eml': '"This user doesn\'t have a example.co.jp account"',
  'maildir/dos/lhost-x2-01.eml': '"This user doesn\'t have a example.co.jp account"',
  'maildir/bsd/lhost-x2-02.eml': '"This user doesn\'t have a example.com account" (kijitora, sabineko)',
  'maildir/bsd/lhost-yahoo-06.eml': '"550: : User unknown"',
  'maildir/bsd/rfc3464-42.eml': '"The email account that you tried to reach does not exist."',
  'maildir/bsd/rfc3464-57.eml': '"** Address not found ** … the address couldn\'t be found"',
  'maildir/bsd/rhost-gsuite-08.eml': '"** Address not found ** … the address couldn\'t be found"',
};

export interface CorpusScore {
  files: number;
  events: number;
  userUnknownRecall: number;
  userUnknownPrecision: number;
  recipientExtraction: number;
  statusAgreement: number;
  counts: { uuExpected: number; uuFound: number; uuOurs: number; uuOursAgreeing: number; pairs: number; pairsFound: number; statusPairs: number; statusSame: number };
  missedUserUnknown: string[];
  falseUserUnknown: string[];
  missedRecipients: string[];
  confusion: Record<string, Record<string, number>>;
}

const UU = new Set(['userunknown', 'hasmoved']);

export async function scoreCorpus(dsnDir: string): Promise<CorpusScore> {
  const emails = path.join(dsnDir, 'emails');
  const labels: Label[] = readFileSync(path.join(dsnDir, 'expected.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Label);
  const stream = readEvents([emails], { inputFormat: 'dsn' });
  const byFile = new Map<string, DeliveryEvent[]>();
  let events = 0;
  for await (const e of stream) {
    events++;
    const rel = path.relative(emails, e.origin.file);
    let list = byFile.get(rel);
    if (!list) byFile.set(rel, (list = []));
    list.push(e);
  }
  const key = (file: string, rcpt: string): string => `${file} ${rcpt.toLowerCase()}`;
  const ours = new Map<string, DeliveryEvent>();
  for (const [file, list] of byFile) for (const e of list) {
    const k = key(file, e.recipient);
    const prev = ours.get(k);
    if (!prev || (prev.class !== 'user-unknown' && e.class === 'user-unknown')) ours.set(k, e);
  }
  const labelled = new Set(labels.filter((l) => l.reason).map((l) => l.file));
  const expected = new Map<string, Label>();
  for (const l of labels) if (l.reason && l.recipient) expected.set(key(l.file, l.recipient), l);

  const uuExpected = [...expected].filter(([, l]) => UU.has(l.reason!));
  const missedUserUnknown = uuExpected.filter(([k]) => ours.get(k)?.class !== 'user-unknown').map(([k, l]) => `${k} (ours: ${ours.get(k)?.class ?? 'none'}; ${l.status})`);
  const uuOurs = [...ours].filter(([k, e]) => e.class === 'user-unknown' && labelled.has(k.slice(0, k.indexOf(' '))));
  const agreeing = (k: string): boolean => {
    const l = expected.get(k);
    return (l !== undefined && UU.has(l.reason!)) || k.slice(0, k.indexOf(' ')) in SISIMAI_WRONG;
  };
  const falseUserUnknown = uuOurs.filter(([k]) => !agreeing(k)).map(([k]) => `${k} (sisimai: ${expected.get(k)?.reason ?? 'no such recipient'})`);
  const pairs = [...expected].filter(([, l]) => l.reason !== 'feedback' && l.reason !== 'vacation');
  const missedRecipients = pairs.filter(([k]) => !ours.has(k)).map(([k, l]) => `${k} (${l.reason})`);
  let statusPairs = 0, statusSame = 0;
  const confusion: Record<string, Record<string, number>> = {};
  for (const [k, l] of pairs) {
    const e = ours.get(k);
    const ourClass: BounceClass | 'missing' = e?.class ?? 'missing';
    (confusion[ourClass] ??= {})[l.reason!] = (confusion[ourClass]![l.reason!] ?? 0) + 1;
    if (e?.status && l.status && !/^[45]\.0\.9\d\d$/.test(l.status)) {
      statusPairs++;
      if (e.status === l.status) statusSame++;
    }
  }
  const ratio = (a: number, b: number): number => (b === 0 ? 1 : a / b);
  return {
    files: new Set(labels.map((l) => l.file)).size,
    events,
    userUnknownRecall: ratio(uuExpected.length - missedUserUnknown.length, uuExpected.length),
    userUnknownPrecision: ratio(uuOurs.length - falseUserUnknown.length, uuOurs.length),
    recipientExtraction: ratio(pairs.length - missedRecipients.length, pairs.length),
    statusAgreement: ratio(statusSame, statusPairs),
    counts: {
      uuExpected: uuExpected.length, uuFound: uuExpected.length - missedUserUnknown.length, uuOurs: uuOurs.length,
      uuOursAgreeing: uuOurs.length - falseUserUnknown.length, pairs: pairs.length, pairsFound: pairs.length - missedRecipients.length,
      statusPairs, statusSame,
    },
    missedUserUnknown, falseUserUnknown, missedRecipients, confusion,
  };
}
