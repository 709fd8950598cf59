import { connect } from 'node:net';

/**
 * Just enough of PostgreSQL's wire protocol (v3, simple query, `trust` authentication) to probe
 * the embedded server and run the few statements local-infra needs, without a client library.
 */
export interface PgTarget {
  port: number;
  user: string;
  database: string;
}

export interface PgResult {
  /** The rows of the last statement that returned any, every value in text form (null for NULL). */
  rows: Array<Array<string | null>>;
  /** The rows of each statement that returned any, in order. */
  resultSets: Array<Array<Array<string | null>>>;
  /** NOTICE and WARNING messages the server sent (e.g. from RAISE WARNING). */
  notices: string[];
}

/**
 * Connects, and once the server is ready for queries runs `sql` (several statements allowed: one
 * implicit transaction) unless it is undefined, then disconnects. Rejects on a connection failure,
 * a server that is not ready within `connectTimeoutMs`, a password asked for, or an SQL error.
 */
export function pgQuery(target: PgTarget, sql?: string, { connectTimeoutMs = 1_000 } = {}): Promise<PgResult> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: target.port, timeout: connectTimeoutMs });
    const result: PgResult = { rows: [], resultSets: [], notices: [] };
    let received = Buffer.alloc(0);
    let querying = false;
    let error: Error | undefined;
    let settled = false;
    const done = (failure?: Error) => {
      if (settled) return;
      settled = true;
      if (failure) {
        socket.destroy();
        reject(failure);
      } else {
        socket.end(TERMINATE);
        resolve(result);
      }
    };

    socket.once('connect', () => socket.write(startupMessage({ user: target.user, database: target.database })));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      // Each message: a type byte, then an Int32 length that counts itself but not the type byte.
      while (received.length >= 5) {
        const type = String.fromCharCode(received[0]!);
        const length = received.readInt32BE(1);
        if (length < 4 || length > 1 << 30) return done(new Error(`port ${target.port} does not speak PostgreSQL`));
        if (received.length < 1 + length) return;
        const body = received.subarray(5, 1 + length);
        received = received.subarray(1 + length);
        switch (type) {
          case 'R': // Authentication: 0 is AuthenticationOk, anything else asks for credentials
            if (body.readInt32BE(0) !== 0) return done(new Error(`PostgreSQL on port ${target.port} asks ${target.user} for a password`));
            break;
          case 'E':
            error = new Error(errorText(body));
            if (!querying) return done(error); // e.g. starting up, or an unknown role
            break; // a failed query is followed by ReadyForQuery
          case 'N':
            result.notices.push(errorText(body));
            break;
          case 'T': // RowDescription: a new result set begins
            result.rows = [];
            result.resultSets.push(result.rows);
            break;
          case 'D':
            result.rows.push(dataRow(body));
            break;
          case 'Z': // ReadyForQuery
            if (querying || sql === undefined) return done(error);
            querying = true;
            socket.setTimeout(0); // a statement (an index build) may take longer than the handshake
            socket.write(queryMessage(sql));
            break;
          default: // ParameterStatus, BackendKeyData, CommandComplete, EmptyQueryResponse…
        }
      }
    });
    socket.once('timeout', () => done(new Error(`PostgreSQL on port ${target.port} not ready within ${connectTimeoutMs} ms`)));
    socket.once('error', (cause) => done(cause));
    socket.once('close', () => done(new Error(`PostgreSQL on port ${target.port} closed the connection`)));
  });
}

const PROTOCOL_3_0 = 196_608;
const TERMINATE = Buffer.from([0x58, 0, 0, 0, 4]); // 'X', length 4

function startupMessage(parameters: Record<string, string>): Buffer {
  const body = Buffer.from(`${Object.entries(parameters).map(([name, value]) => `${name}\0${value}\0`).join('')}\0`);
  const header = Buffer.alloc(8);
  header.writeInt32BE(header.length + body.length, 0);
  header.writeInt32BE(PROTOCOL_3_0, 4);
  return Buffer.concat([header, body]);
}

function queryMessage(sql: string): Buffer {
  const body = Buffer.from(`${sql}\0`);
  const header = Buffer.alloc(5);
  header.write('Q', 0);
  header.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([header, body]);
}

/** ErrorResponse/NoticeResponse: (field type byte, C string)* then 0; keeps severity and message. */
function errorText(body: Buffer): string {
  const fields: Record<string, string> = {};
  for (let at = 0; at < body.length && body[at] !== 0; ) {
    const end = body.indexOf(0, at + 1);
    fields[String.fromCharCode(body[at]!)] = body.toString('utf8', at + 1, end);
    at = end + 1;
  }
  return `${fields.S ?? 'ERROR'}: ${fields.M ?? 'unknown error'}`;
}

/** DataRow: Int16 column count, then per column an Int32 length (-1 for NULL) and the bytes. */
function dataRow(body: Buffer): Array<string | null> {
  const values: Array<string | null> = [];
  let at = 2;
  for (let column = body.readInt16BE(0); column > 0; column--) {
    const length = body.readInt32BE(at);
    at += 4;
    values.push(length < 0 ? null : body.toString('utf8', at, at + length));
    if (length > 0) at += length;
  }
  return values;
}
