/** The names the emulator gives a generated catalogue, and the hostile endings it can give them. */

/** What a hostile platform could put in a name or a message: each would drive a terminal that printed it raw. */
export const HOSTILE_SUFFIXES: readonly string[] = [
  '\u001b]0;owned\u0007',
  '\u001b[2J\u001b[H',
  '\u009b31m',
  '\u007f\u0008',
  '\u202e',
  '\r\u001b[1A\u001b[2K',
];

export const hostileName = (name: string, i: number): string =>
  `${name}${HOSTILE_SUFFIXES[i % HOSTILE_SUFFIXES.length]}`;

const list = (text: string): readonly string[] =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

export const SKILL_NAMES = list(`
  Billing, Technical Support, Spanish, Sales, Retention, Collections, Refunds, Account Management, Onboarding,
  Escalations, VIP Support, Chat Support, Email Support, Social Media, Fraud Prevention, Card Disputes, Mortgages,
  Insurance Claims, Warranty, Returns, Shipping, Order Status, Hardware Support, Software Support,
  Network Troubleshooting, Mobile Devices, Internet Service, TV Service, Home Phone, Business Accounts,
  Enterprise Accounts, Outbound Sales, Upselling, Cancellations, Complaints, Accessibility, Outage Response,
  Password Reset, Compliance, Healthcare Billing, French, German, Portuguese, Appointments, Loyalty Program
`);

export const LANGUAGE_NAMES = list(`
  English, Spanish, French, German, Portuguese, Italian, Dutch, Japanese, Mandarin, Arabic, Hindi, Korean, Polish,
  Swedish, Turkish, Russian
`);

export const QUEUE_NAMES = list(`
  Billing Inquiries, Technical Support Tier 1, Technical Support Tier 2, Sales Inbound, Retention, Collections,
  Spanish Support, French Support, VIP Customers, Chat General, Email General, Callbacks, Escalations, Outage Line,
  Fraud Alerts, Business Accounts, Partner Helpdesk, Returns and Exchanges, Order Status, After Hours,
  German Support, Social Care, Appointments, Loyalty Desk
`);

export const ROLE_NAMES = list(`
  Employee, Agent, Supervisor, Admin, Master Admin, Quality Evaluator, Quality Administrator,
  Contact Center Manager, Workforce Management Administrator, Reporting Administrator, Trainer, Outbound Agent,
  People Administrator, Architect Developer
`);

/** `count` unique names: the list, then the list again with " 2", " 3", … */
export function names(base: readonly string[], count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const round = Math.floor(i / base.length);
    const name = base[i % base.length] as string;
    return round === 0 ? name : `${name} ${round + 1}`;
  });
}
