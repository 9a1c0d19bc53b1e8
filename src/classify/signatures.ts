/**
 * The built-in signature table: reply code + enhanced status + text → class. Data only.
 *
 * ORDER IS PRECEDENCE: the first row that matches wins. Sender-side refusals come first (they are
 * never `user-unknown`), then rows keyed on specific vendor texts, then generic phrases, and last
 * the rows keyed on the enhanced status alone. Vendors reuse codes (`556 5.1.10` is a null MX in
 * Postfix but RecipientNotFound in Exchange Online; Microsoft's 5.4.1 is relay denied / DBEB, not
 * RFC 3463's "no answer from host"), so rows key on code + status + text together.
 *
 * Every row carries a real `sample` (from ../shared/corpus or the vendor source named in `source`);
 * test/classify/signatures.test.ts checks each sample lands on its own row.
 */

import type { Signature } from './compile.js';

export const SIGNATURES: readonly Signature[] = [
  // ── Sender side: never user-unknown ─────────────────────────────────────────────────────────
  {
    id: 'postfix-sender-rejected', class: 'policy', vendor: 'Postfix',
    phrases: ['sender address rejected'],
    explanation: 'the receiving server refused the envelope sender, not the recipient',
    sample: { smtpCode: '450', status: '4.1.8', text: '450 4.1.8 <test@gmail.local>: Sender address rejected: Domain not found' },
    source: 'corpus/logs/postfix/fail2ban-postfix.log; postfix src/smtpd/smtpd_check.c',
  },
  {
    id: 'exim-sender-verify', class: 'policy', vendor: 'Exim',
    phrases: ['sender verify fail', 'sender verification fail', 'sender address verification'],
    explanation: 'a sender-verify callout failed: the sender address is the problem',
    sample: { text: 'sender verify fail for <user@example.com>: Unknown user' },
    source: 'corpus/logs/exim/fail2ban-exim.log',
  },
  {
    id: 'sendmail-sender-domain', class: 'policy', vendor: 'Sendmail',
    phrases: ['domain of sender address'],
    explanation: "the sender's domain does not resolve",
    sample: { smtpCode: '553', status: '5.1.8', text: '553 5.1.8 <ddd@example.com>... Domain of sender address ddd@example.com does not exist' },
    source: 'corpus/logs/sendmail/fail2ban-sendmail-reject.log',
  },
  {
    id: 'exchange-tenant-attribution', class: 'policy', vendor: 'Microsoft',
    statuses: ['5.7.64'],
    explanation: 'Exchange Online no longer matches the inbound connector from on-premises (certificate or IP changed): rerun the Hybrid Configuration Wizard',
    sample: { smtpCode: '550', status: '5.7.64', text: '550 5.7.64 TenantAttribution; Relay Access Denied' },
    source: 'MicrosoftDocs SupportArticles-docs: ndr/fix-error-code-5-7-64-in-exchange-online.md',
  },

  // ── Mailbox full (before user-unknown: `452 4.1.1 … over quota` is a full mailbox) ─────────
  {
    id: 'mailbox-over-quota', class: 'mailbox-full', vendor: 'generic',
    phrases: ['over quota', 'overquota', 'quota exceeded', 'exceeded quota', 'exceeds quota', 'mailbox full', 'mailbox is full', 'mailbox size limit', 'mailbox has exceeded', 'exceeded storage allocation', 'user is over', 'storage quota', 'insufficient storage', 'out of storage', 'quotaexceeded', 'mailbox would exceed'],
    explanation: 'the mailbox exists but is full',
    sample: { smtpCode: '452', status: '4.1.1', text: '452 4.1.1 <h-2b1bb9c9e73de3@h-5d3bf4ac3a7eb63.com> user is over quota, please try again later' },
    source: 'corpus/logs/postfix/lightmeter-controlcenter/individual_files/18_expired.log',
  },

  // ── Domain not accepted / relay refused ─────────────────────────────────────────────────────
  {
    id: 'null-mx', class: 'host-unknown', vendor: 'Postfix',
    phrases: ['nullmx', 'null mx', 'does not accept mail'],
    explanation: 'the domain publishes a null MX (RFC 7505): it accepts no mail at all',
    sample: { status: '5.1.0', text: 'Domain example.com does not accept mail (nullMX)' },
    source: 'corpus/logs/postfix/lightmeter-controlcenter/individual_files/2_multiple_recipients_some_bounces.log',
  },
  {
    id: 'postfix-relay-access-denied', class: 'domain-not-accepted', vendor: 'Postfix',
    phrases: ['relay access denied'],
    explanation: 'the server does not accept mail for this domain (reject_unauth_destination; Exchange Online: domain not accepted or MX pointing elsewhere)',
    sample: { smtpCode: '454', status: '4.7.1', text: '454 4.7.1 <spammer@domain.tld>: Relay access denied' },
    source: 'corpus/logs/postfix/crowdsec-hub-postfix-logs.log; MicrosoftDocs ndr/fix-error-code-550-5-4-1-in-exchange-online.md',
  },
  {
    id: 'exchange-non-accepted-domain', class: 'domain-not-accepted', vendor: 'Microsoft',
    phrases: ['non-accepted domain', 'unable to relay'],
    explanation: 'Exchange does not list the recipient domain as an accepted domain',
    sample: { smtpCode: '550', status: '5.7.54', text: '550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain' },
    source: 'SPollardMS/OfficeDocs-Exchange: mail-flow/ndrs/ndrs.md',
  },
  {
    id: 'relaying-denied', class: 'domain-not-accepted', vendor: 'generic',
    phrases: ['relaying denied', 'relay not permitted', 'not permitted to relay', 'relaying not permitted', 'relay denied', 'we do not relay', 'relaying not allowed', 'relay not allowed', 'relaying disallowed', 'not allowed to relay', 'relay prohibited', 'relaying to <'],
    explanation: 'the server refused to relay: it does not consider itself the destination of this domain',
    sample: { smtpCode: '550', status: '5.7.1', text: '550 5.7.1 <user@example.com>... Relaying denied. Proper authentication required.' },
    source: 'corpus/logs/sendmail/fail2ban-sendmail-reject.log; corpus/logs/exim/fail2ban-exim.log (relay not permitted)',
  },
  {
    id: 'qmail-rcpthosts', class: 'domain-not-accepted', vendor: 'qmail',
    phrases: ["that domain isn't in my list of allowed rcpthosts", 'not in my list of allowed rcpthosts', "domain isn't in my list of allowed rcpthosts"],
    explanation: 'qmail does not list the domain in rcpthosts',
    sample: { smtpCode: '553', text: "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)" },
    source: 'notqmail qmail-smtpd.c (err_nogateway)',
  },
  {
    id: 'exim-unrouteable-domain', class: 'domain-not-accepted', vendor: 'Exim',
    phrases: ['unrouteable mail domain'],
    explanation: 'no Exim router accepts the domain',
    sample: { text: 'unrouteable mail domain "unknown.domain"' },
    source: 'corpus/logs/exim/exim-testsuite',
  },

  // ── Host unknown ────────────────────────────────────────────────────────────────────────────
  {
    id: 'host-not-found', class: 'host-unknown', vendor: 'generic',
    phrases: ['host or domain name not found', 'name service error', 'host not found', 'domain not found', 'no mx record', 'domain does not exist', "weren't able to find the recipient domain", 'no such domain', 'unknown domain', 'dns domain', 'mx lookup fail', 'unroutable domain', 'domain name not found', 'unresolvable', 'domain lookup failed', 'illegal host/domain'],
    explanation: 'the recipient domain does not resolve',
    sample: { text: 'Host or domain name not found. Name service error for name=example.invalid type=MX: Host not found, try again' },
    source: 'postfix src/dns/dns_lookup.c; corpus/logs/postfix/lightmeter-controlcenter/parser_test-lines.log',
  },

  // ── User unknown: vendor texts ──────────────────────────────────────────────────────────────
  {
    id: 'exchange-imceaex', class: 'user-unknown', vendor: 'Microsoft',
    imceaex: true,
    explanation: 'an IMCEAEX (encapsulated legacyExchangeDN) recipient: an autocomplete entry of a mailbox that no longer exists under that DN',
    sample: { smtpCode: '550', status: '5.1.1', text: '550 5.1.1 RESOLVER.ADR.ExRecipNotFound; not found', recipient: 'IMCEAEX-_o=ExampleOrg_ou=Exchange+20Administrative+20Group_cn=Recipients_cn=jdoe@example.com' },
    source: 'MicrosoftDocs SupportArticles-docs: ExchangeOnline/email-delivery/imceaex-ndr.md',
  },
  {
    id: 'exchange-resolver-not-found', class: 'user-unknown', vendor: 'Microsoft',
    phrases: ['recipnotfound', 'recipientnotfound', 'exrecipnotfound', 'not found by smtp address lookup'],
    explanation: 'Exchange found no mailbox, contact or alias with this address in its directory',
    sample: { smtpCode: '550', status: '5.1.10', text: '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup' },
    source: 'corpus/dsn/emails/maildir/bsd/lhost-office365-01.eml; MicrosoftDocs ndr/fix-error-code-550-5-1-10-in-exchange-online.md',
  },
  {
    id: 'exchange-dbeb-access-denied', class: 'user-unknown', vendor: 'Microsoft',
    phrases: ['recipient address rejected: access denied'],
    explanation: 'Exchange Online directory-based edge blocking: the address is not in the tenant directory',
    sample: { smtpCode: '550', status: '5.4.1', text: '550 5.4.1 <kijitora@example.br>: Recipient address rejected: Access denied [BL2NAM02FT057.eop-nam02.prod.protection.outlook.com]' },
    source: 'corpus/dsn/expected.jsonl (rhost-exchangeonline); MicrosoftDocs use-directory-based-edge-blocking.md',
  },
  {
    id: 'exchange-remote-unknown', class: 'user-unknown', vendor: 'Microsoft',
    phrases: ['returned unknown recipient', 'unknown recipient or mailbox unavailable'],
    explanation: 'Exchange Online relays a remote server’s unknown-recipient answer',
    sample: { smtpCode: '550', status: '5.1.351', text: "550 5.1.351 Remote server returned unknown recipient or mailbox unavailable -> 550 : User unknown" },
    source: 'corpus/dsn/emails/maildir/bsd/lhost-office365-04.eml',
  },
  {
    id: 'google-no-such-user', class: 'user-unknown', vendor: 'Google',
    phrases: ['the email account that you tried to reach does not exist', 'nosuchuser', "address couldn't be found", 'address not found'],
    explanation: 'Gmail / Google Workspace has no such account',
    sample: { smtpCode: '550', status: '5.1.1', text: "550-5.1.1 The email account that you tried to reach does not exist. Please try 550-5.1.1 double-checking the recipient's email address for typos or 550-5.1.1 unnecessary spaces. Learn more at 550 5.1.1  https://support.google.com/mail/?p=NoSuchUser z6si1138927wrp.107 - gsmtp" },
    source: 'corpus/logs/postfix/lightmeter-controlcenter/individual_files/2_multiple_recipients_some_bounces.log',
  },
  {
    id: 'yahoo-no-account', class: 'user-unknown', vendor: 'Yahoo',
    phrases: ["doesn't have a", 'does not have a yahoo'],
    explanation: 'Yahoo / AOL has no such account',
    sample: { smtpCode: '554', text: "554 delivery error: dd This user doesn't have a yahoo.com account (kijitora@yahoo.com) [0] - mta1082.mail.bf1.yahoo.com" },
    source: 'help.yahoo.com SLN3444; corpus/dsn/emails (lhost-yahoo)',
  },
  {
    id: 'qmail-no-mailbox', class: 'user-unknown', vendor: 'qmail',
    phrases: ['no mailbox here by that name', "domain or user isn't in my list of allowed rcpthosts"],
    explanation: 'qmail has no mailbox for this local part',
    sample: { text: 'Sorry, no mailbox here by that name. (#5.1.1)' },
    source: 'notqmail qmail-local.c; corpus/dsn/emails/maildir/bsd/lhost-qmail-01.eml',
  },
  {
    id: 'exim-unrouteable-address', class: 'user-unknown', vendor: 'Exim',
    phrases: ['unrouteable address'],
    explanation: 'no Exim router accepts this address: the local user does not exist',
    sample: { text: 'Unrouteable address' },
    source: 'Exim src/route.c; corpus/logs/exim/exim-testsuite',
  },
  {
    id: 'postfix-user-unknown-table', class: 'user-unknown', vendor: 'Postfix',
    phrases: ['user unknown in'],
    explanation: 'Postfix found no such user in the named lookup table (local, virtual mailbox, virtual alias or relay recipient)',
    sample: { smtpCode: '550', status: '5.1.1', text: '550 5.1.1 <sales@server.com>: Recipient address rejected: User unknown in local recipient table' },
    source: 'corpus/logs/postfix/fail2ban-postfix.log; postfix src/smtpd/smtpd_check.c',
  },
  {
    id: 'domino-not-listed', class: 'user-unknown', vendor: 'IBM Domino',
    phrases: ['not listed in domino directory', 'not listed in public name & address book', 'domino ディレクトリには見つかりません', 'ディレクトリのリストにありません'],
    explanation: 'Lotus/HCL Domino found no such user in its directory',
    sample: { text: 'User some.name (kijitora@example.jp) not listed in Domino Directory' },
    source: 'corpus/dsn/emails/maildir/bsd/lhost-domino-01.eml',
  },
  {
    id: 'account-disabled', class: 'other', vendor: 'generic',
    phrases: ['temporary locked', 'temporarily locked', 'account is disabled', 'account has been disabled', 'disabled or discontinued', 'account disabled', 'mailbox disabled', 'mailbox is disabled', 'account is suspended', 'account has been suspended', 'mailbox is inactive', 'account is inactive', 'account inactive'],
    explanation: 'the mailbox exists but is disabled, locked or suspended (not an unknown user)',
    sample: { smtpCode: '550', status: '5.7.1', text: '550 5.7.1 <kijitora@example.com>: Recipient address rejected: User kijitora@example.com temporary locked. Please try again later' },
    source: 'corpus/dsn/emails/maildir/bsd/lhost-amazonses-19.eml',
  },
  {
    id: 'greylisted', class: 'other', vendor: 'generic',
    phrases: ['greylist', 'graylist', 'grey-list', 'gray-list'],
    explanation: 'greylisting: a temporary refusal that a retry passes',
    sample: { smtpCode: '450', status: '4.2.0', text: '450 4.2.0 <bob@example.org>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.org.html' },
    source: 'postgrey (Debian) default reject message',
  },
  {
    id: 'generic-user-unknown', class: 'user-unknown', vendor: 'generic',
    phrases: [
      'user unknown', 'unknown user', 'no such user', 'user not found', 'recipient not found', 'recipient unknown',
      'unknown recipient', 'mailbox not found', 'no such mailbox', 'no such recipient', 'invalid recipient',
      'unknown or illegal alias', 'unknown or illegal user', 'mailbox does not exist', 'user does not exist',
      'recipient does not exist', 'account does not exist', 'address does not exist', 'mailbox unavailable',
      'no valid recipients', 'invalid mailbox', 'not a valid recipient', 'bad destination mailbox', 'addressee unknown',
      'unknown local part', 'recipient cannot be verified', 'no longer on server', 'has moved',
      'invalid final delivery userid', 'user not listed', 'inactive email address', 'unable to deliver message to <',
      'destination mailbox address invalid', 'mailbox unknown', 'unknown mailbox', 'no mailbox', 'recipient rejected',
      'invalid address', 'not our customer', 'user doesn\'t exist', 'no account by that name', 'account not found',
      'adresse destinataire invalide', 'receiver bad', 'bad user', 'recipient refused', 'recipient not ok',
      'recipient name is not recognized',
    ],
    explanation: 'the receiving server says the mailbox does not exist',
    sample: { smtpCode: '550', status: '5.1.1', text: '550 5.1.1 <invalid.email@example.com> User unknown' },
    source: 'corpus/logs/postfix/lightmeter-controlcenter/individual_files/1_bounce_simple.log',
  },

  // ── Policy: spam, blocklists, authentication ────────────────────────────────────────────────
  {
    id: 'policy-blocked', class: 'policy', vendor: 'generic',
    phrases: [
      'spam', 'blocked', 'blacklist', 'blocklist', 'block list', 'listed in', 'rbl', 'dnsbl', 'spf', 'dkim', 'dmarc',
      'reputation', 'not authorized', 'access denied', 'policy', 'virus', 'malware', 'content rejected', 'message rejected',
      'refused to talk', 'banned', 'poor reputation', 'prohibited', 'denied by', 'rejected by', 'authentication required',
      'weren\'t sent', 'unsolicited', 'bulk mail', 'rate limit', 'too many', 'suspicious',
      'authentication check', 'reverse dns', 'validation failed', 'ptr record', 'recipient preferences', 'unknown address error',
    ],
    explanation: 'refused by a policy of the receiving site (spam filter, blocklist, authentication)',
    sample: { smtpCode: '550', status: '5.7.1', text: "550 5.7.1 Unfortunately, messages from [142.93.169.220] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150)." },
    source: 'corpus/logs/postfix/lightmeter-controlcenter/individual_files/2_multiple_recipients_some_bounces.log',
  },

  {
    id: 'recipient-address-rejected', class: 'user-unknown', vendor: 'Postfix',
    phrases: ['recipient address rejected'],
    explanation: 'Postfix refused the recipient and gave no other reason matched above: the table lookup failed',
    sample: { smtpCode: '550', text: '550 <otsu-sakaba-hunter-neko-nyaaaaaaan@ezweb.ne.jp>: Recipient address rejected.' },
    source: 'corpus/dsn/expected.jsonl (lhost-postfix, rhost-kddi)',
  },

  // ── Status alone (no text matched above) ────────────────────────────────────────────────────
  {
    id: 'rfc3463-bad-mailbox', class: 'user-unknown', vendor: 'RFC 3463',
    statuses: ['*.1.1'],
    explanation: 'X.1.1 Bad destination mailbox address: the local part does not exist',
    sample: { smtpCode: '550', status: '5.1.1', text: '550 5.1.1 http://support.google.com/mail/bin/answer.py?answer=6596 ad1si1997204pbd.83 - gsmtp' },
    source: 'RFC 3463 §3.2; corpus/dsn/emails (rhost-google)',
  },
  {
    id: 'exchange-5-1-10', class: 'user-unknown', vendor: 'Microsoft',
    codes: ['550'], statuses: ['5.1.10'],
    explanation: 'Exchange Online 550 5.1.10: recipient not found (Postfix uses 556 5.1.10 for null MX, matched earlier by text)',
    sample: { smtpCode: '550', status: '5.1.10', text: '550 5.1.10 [BN8NAM12FT062.eop-nam12.prod.protection.outlook.com]' },
    source: 'MicrosoftDocs ndr/fix-error-code-550-5-1-10-in-exchange-online.md',
  },
  {
    id: 'rfc3463-moved', class: 'user-unknown', vendor: 'RFC 3463',
    statuses: ['5.1.6'], phrases: ['moved', 'no longer'],
    explanation: 'X.1.6 Destination mailbox has moved, no forwarding address',
    sample: { smtpCode: '550', status: '5.1.6', text: '550 5.1.6 mailbox moved away' },
    source: 'RFC 3463 §3.2',
  },
  {
    id: 'rfc3463-bad-system', class: 'host-unknown', vendor: 'RFC 3463',
    statuses: ['*.1.2'],
    explanation: 'X.1.2 Bad destination system address: the domain cannot take mail',
    sample: { smtpCode: '553', status: '5.1.2', text: '553 5.1.2 The recipient address <x@nonexistent.example> is not a valid RFC 5321 address' },
    source: 'RFC 3463 §3.2; support.google.com/a/answer/3726730',
  },
  {
    id: 'rfc3463-mailbox-full', class: 'mailbox-full', vendor: 'RFC 3463',
    statuses: ['*.2.2'],
    explanation: 'X.2.2 Mailbox full',
    sample: { smtpCode: '552', status: '5.2.2', text: '552 5.2.2 Requested mail action aborted' },
    source: 'RFC 3463 §3.3',
  },
  {
    id: 'rfc3463-security', class: 'policy', vendor: 'RFC 3463',
    statuses: ['*.7.*'],
    explanation: 'X.7.* Security or policy status',
    sample: { smtpCode: '554', status: '5.7.0', text: '554 5.7.0 Reject' },
    source: 'RFC 3463 §3.8',
  },
];
