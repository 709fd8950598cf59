export * from './service';
export * from './main';
export * from './aggregate';
