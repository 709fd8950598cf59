export * from './service';
export * from './main';
export * from './aggregate';
export * from './projection';
