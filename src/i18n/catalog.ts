// Every language optline speaks, one file each: adding a language is its file plus one line here.
export { default as en } from './en.ts'
export { default as es } from './es.ts'
