/**
 * The mail catcher of `npm start` (maildev: SMTP on MAILDEV_SMTP_PORT, 1025 by default; web UI on
 * MAILDEV_WEB_PORT, 1080), in a process of its own so that it is supervised like the services: one
 * that dies is restarted, the notification service's deliveries retry meanwhile.
 */
import { MailDev } from 'maildev';

const smtp = Number(process.env.MAILDEV_SMTP_PORT ?? 1025);
const web = Number(process.env.MAILDEV_WEB_PORT ?? 1080);
const maildev = new MailDev({ smtp, web, ip: '127.0.0.1', webIp: '127.0.0.1', silent: true });
try {
  await maildev.start();
} catch (error) {
  console.error(`the mail catcher could not listen on ports ${smtp}/${web} (${(error as Error).message}): set MAILDEV_SMTP_PORT/MAILDEV_WEB_PORT, or SMTP_HOST`);
  process.exit(1);
}
console.log(`listening: SMTP 127.0.0.1:${smtp}, web http://localhost:${web}/index.html`);
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void maildev.stop().finally(() => process.exit(0)));
