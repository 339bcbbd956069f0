// Links between resources through the controller: a group's or shared mailbox's members and
// groups. The controller tells the endpoint (link and unlink notifications), which changes OX.
define(['./operations'], function (ops) {
  'use strict';

  function relationUrl(resourceId, relation) {
    return ops.url(resourceId, relation);
  }

  /** The linked resources of a relation (their ids). */
  function linked(xhr, resourceId, relation) {
    return xhr(relationUrl(resourceId, relation), { method: 'GET', handleAs: 'json' }).then(function (list) {
      return (list || []).map(function (r) { return r.aps.id; });
    });
  }

  function link(xhr, resourceId, relation, otherId) {
    return xhr(relationUrl(resourceId, relation), { method: 'POST', handleAs: 'json', data: JSON.stringify({ aps: { id: otherId } }) });
  }

  function unlink(xhr, resourceId, relation, otherId) {
    // ops.url checks that the other id is a resource id before it goes into the path.
    ops.url(otherId, relation);
    return xhr(relationUrl(resourceId, relation) + '/' + otherId, { method: 'DELETE' });
  }

  /** Links or unlinks each of `ids` one after the other; resolves when all are done. */
  function change(xhr, resourceId, relation, ids, add) {
    return ids.reduce(function (done, id) {
      return done.then(function () { return (add ? link : unlink)(xhr, resourceId, relation, id); });
    }, Promise.resolve());
  }

  return { linked: linked, link: link, unlink: unlink, change: change };
});
