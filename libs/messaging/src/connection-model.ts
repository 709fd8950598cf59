import type { Connection, Model, Schema } from 'mongoose';

/**
 * The model `name` of a connection, compiled on first use: the messaging collections (processed,
 * parked, set-aside events) live in each service's own database, reached from several places.
 */
export function connectionModel<T>(connection: Connection, name: string, schema: () => Schema<T>): Model<T> {
  return (connection.models[name] as Model<T> | undefined) ?? connection.model<T>(name, schema());
}
