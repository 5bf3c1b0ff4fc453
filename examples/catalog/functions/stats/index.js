// stats: catalogue statistics (items and average price, overall and per category). A Node.js HTTP function.
'use strict';
const catalog = require('./catalog.json');

const round2 = (x) => Math.round(x * 100) / 100;
const average = (items) => round2(items.reduce((sum, item) => sum + item.price, 0) / items.length);

function stats(items) {
  const categories = {};
  for (const item of items) (categories[item.category] = categories[item.category] || []).push(item);
  const perCategory = {};
  for (const [name, members] of Object.entries(categories)) {
    perCategory[name] = {count: members.length, averagePrice: average(members)};
  }
  return {count: items.length, averagePrice: average(items), categories: perCategory};
}

exports.handler = (request, response, context) => {
  response.setHeader('content-type', 'application/json');
  response.send(JSON.stringify(stats(catalog)));
};
