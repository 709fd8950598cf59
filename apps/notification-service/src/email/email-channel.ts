import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { productionSmtpProblem, type NotificationSettings } from '../config';
import { DeliveryError, type DeliveryChannel } from '../deliveries';

/**
 * E-mail over SMTP with nodemailer (one connection per message: no pool to drain at shutdown).
 * The Message-ID is derived from the delivery id, so a message re-sent after a crash between the
 * SMTP acceptance and its recording carries the same Message-ID as the first.
 */
export function emailChannel(settings: NotificationSettings, nodeEnv: string | undefined): DeliveryChannel {
  const transport = nodemailer.createTransport(smtpTransportOptions(settings, nodeEnv));
  const domain = /@([^>\s]+)>?\s*$/.exec(settings.SMTP_FROM)?.[1] ?? 'aap.anct.gouv.fr';

  return {
    async send(delivery) {
      const email = delivery.email;
      if (!email) throw new DeliveryError('an e-mail delivery without its message', { permanent: true });
      try {
        const info = await transport.sendMail({
          from: settings.SMTP_FROM,
          to: email.to.name ? { name: email.to.name, address: email.to.address } : email.to.address,
          subject: email.subject,
          text: email.text,
          html: email.html,
          messageId: `<${createHash('sha256').update(delivery.id).digest('hex').slice(0, 32)}@${domain}>`,
          headers: {
            'X-AAP-Event-Id': delivery.eventId,
            'X-AAP-Event-Type': delivery.eventType,
            'Auto-Submitted': 'auto-generated',
          },
        });
        return { detail: `${info.response ?? 'accepted'} (${info.messageId})` };
      } catch (error) {
        const { responseCode, message } = error as { responseCode?: number; message?: string };
        // 5xx from the server (unknown mailbox, rejected content): retrying the same message cannot help.
        throw new DeliveryError(`SMTP: ${message ?? String(error)}`, { permanent: typeof responseCode === 'number' && responseCode >= 500, statusCode: responseCode });
      }
    },
  };
}

/**
 * The SMTP transport's options. In production TLS is required (`requireTLS`: no STARTTLS, no message)
 * unless the connection is TLS from the first byte (`secure`), and the server's certificate is always
 * verified (nodemailer's default); an explicit SMTP_REQUIRE_TLS=false there makes the service refuse to start.
 */
export function smtpTransportOptions(settings: NotificationSettings, nodeEnv: string | undefined): SMTPTransport.Options {
  const problem = productionSmtpProblem(nodeEnv, settings);
  if (problem) throw new Error(problem);
  return {
    host: settings.SMTP_HOST,
    port: settings.SMTP_PORT,
    secure: settings.SMTP_SECURE,
    requireTLS: !settings.SMTP_SECURE && (settings.SMTP_REQUIRE_TLS ?? nodeEnv === 'production'),
    ...(settings.SMTP_USER ? { auth: { user: settings.SMTP_USER, pass: settings.SMTP_PASS ?? '' } } : {}),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  };
}
