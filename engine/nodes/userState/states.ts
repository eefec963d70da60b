/** The visitor states the `userState` node branches on (also the `userState` fact's values). */
export const USER_STATES = ['anonymous', 'registered', 'customer'] as const;
export type UserState = (typeof USER_STATES)[number];
