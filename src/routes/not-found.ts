// The helpful 404: an unknown campaign or page says what went wrong, in HTML or JSON as asked.
import type { FastifyReply } from 'fastify'

const TEXT = {
  campaign: {
    heading: 'This signup page does not exist',
    message: 'The link may be mistyped, or the campaign has ended.'
  },
  page: {
    heading: 'Page not found',
    message: 'There is nothing at this address.'
  }
} as const

export function notFoundPage (reply: FastifyReply, what: keyof typeof TEXT) {
  return reply.page(404, 'not-found', { title: TEXT[what].heading, ...TEXT[what] })
}

export function notFoundJson (reply: FastifyReply, what: keyof typeof TEXT) {
  return reply.code(404).send({ errors: [{ field: what === 'campaign' ? 'campaign' : 'path', message: `${TEXT[what].heading}. ${TEXT[what].message}` }] })
}
