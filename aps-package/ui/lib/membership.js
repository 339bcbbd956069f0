// A group's or shared mailbox's members (or groups) in an edit view: a grid of the context's
// candidates with a "Member" column, and Add and Remove for the selected rows. What is linked
// now is kept per resource and relation, so that views of several subscriptions never mix.
define(['aps/ResourceStore', './i18n', './links', './messages', './operations'],
function (ResourceStore, _, links, messages, ops) {
  'use strict';
  var linkedNow = {};

  function key(resourceId, relation) {
    return resourceId + ' ' + relation;
  }

  /** The grid column that says whether a row is linked to the resource `resourceId()` names. */
  function column(resourceId, relation) {
    return {
      field: 'aps.id',
      name: _('Member'),
      renderCell: function (row) {
        return (linkedNow[key(resourceId(), relation)] || []).indexOf(row.aps.id) >= 0 ? _('Yes') : _('No');
      },
    };
  }

  /** Reads what is linked, then shows the candidates (a relation collection of the context). */
  function show(xhr, grid, resourceId, relation, candidates, apsType) {
    return links.linked(xhr, resourceId, relation).then(function (ids) {
      linkedNow[key(resourceId, relation)] = ids;
      grid.set('store', new ResourceStore({ target: candidates, apsType: apsType }));
    });
  }

  /** A toolbar button's onClick: links (add) or unlinks the grid's selected rows, then shows the result. */
  function changeClick(xhr, grid, target, add) {
    return function () {
      var button = this;
      var t = target();
      links.change(xhr, t.resourceId, t.relation, grid.get('selectionArray'), add)
        .then(function () { return show(xhr, grid, t.resourceId, t.relation, t.candidates, t.apsType); })
        .then(function () { button.cancel(); }, function (err) {
          button.cancel();
          messages.show(ops.errorText(err));
        });
    };
  }

  return { column: column, show: show, changeClick: changeClick };
});
