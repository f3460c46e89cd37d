/**
 * The api, shared by type only: the server imports it, the client imports just its type
 * (`import type { Api } from './api.js'`), so the client never loads the server's code.
 */

/** An error class exported for its type; it is not served as a method. */
export class NotFoundError extends Error {
  status = 404;
}

interface User {
  id: number;
  name: string;
}

const users = new Map<number, User>([[1, { id: 1, name: 'Ada' }]]);

export const api = {
  add: (x: number, y: number) => x + y,
  users: {
    async get(id: number): Promise<User> {
      const user = users.get(id);
      if (!user) throw new NotFoundError(`no user ${id}`);
      return user;
    },
  },
};

export type Api = typeof api;
