import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MailDev } from 'maildev';

export interface CaughtMail {
  to: string[];
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string | string[]>;
}

/**
 * A real SMTP server in the test process (maildev, the mail catcher `npm start` runs): messages go
 * over TCP through nodemailer exactly as in production, and the test reads what it received.
 * `port` 0 lets the system choose; a given port lets a test bring "the same server" back after a stop.
 */
export async function startMailCatcher(port = 0): Promise<{ port: number; mails(): Promise<CaughtMail[]>; clear(): Promise<void>; stop(): Promise<void> }> {
  const directory = await mkdtemp(join(tmpdir(), 'aap-maildev-'));
  const maildev = new MailDev({ smtp: port, ip: '127.0.0.1', disableWeb: true, silent: true, mailDirectory: directory });
  const { smtp, storage } = await maildev.start();
  return {
    port: smtp.getPort(),
    async mails() {
      return (await storage.getAll()).map((mail) => ({
        to: mail.envelope.to.map((a) => a.address.toLowerCase()),
        subject: mail.subject,
        text: mail.text ?? '',
        html: mail.html ?? '',
        headers: mail.headers,
      }));
    },
    async clear() {
      await storage.deleteAll();
    },
    async stop() {
      await maildev.stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
