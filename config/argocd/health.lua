-- Argo CD health check for every ai.higress.io kind (ModelPool, RagPipeline, ...). Argo CD runs it with the live
-- object in the global `obj` (gopher-lua, a Lua 5.1 interpreter) and reads back `hs.status` / `hs.message`.
-- Our kinds all publish metav1.Condition-style conditions with observedGeneration (src/kube/conditions.ts):
--   Healthy      only when Ready=True describes the current generation;
--   Progressing  while the operator has not caught up with the spec, or says it is still converging
--                (a Progressing=True condition, or a Ready=False reason that means "wait");
--   Degraded     when Ready=False for any other reason, with that condition's reason and message.
-- Installed by config/argocd/argocd-cm-patch.yaml (generated; see docs/argocd.md).
local hs = {}

-- Ready=False reasons that mean "converging", not "broken" (src/controllers/, src/reconcilers/).
local waiting = { Pending = true, CachesNotSynced = true, RolloutNotObserved = true, IngressPending = true }

local function condition(conditions, type)
  for _, c in ipairs(conditions) do
    if c.type == type then return c end
  end
  return nil
end

local generation = obj.metadata and obj.metadata.generation
local conditions = (obj.status and obj.status.conditions) or {}
local ready = condition(conditions, "Ready")

if ready == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to report a Ready condition"
  return hs
end

-- A condition from an older generation says nothing about the current spec.
local observed = ready.observedGeneration or (obj.status and obj.status.observedGeneration)
if generation ~= nil and observed ~= generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. tostring(generation) ..
    " (Ready describes generation " .. tostring(observed) .. ")"
  return hs
end

local message = ready.message or ""
if ready.status == "True" then
  hs.status = "Healthy"
  hs.message = message
  return hs
end

local progressing = condition(conditions, "Progressing")
if ready.status ~= "False" or waiting[ready.reason] or (progressing ~= nil and progressing.status == "True") then
  hs.status = "Progressing"
  if progressing ~= nil and progressing.status == "True" and progressing.message then message = progressing.message end
  hs.message = message
  return hs
end

hs.status = "Degraded"
hs.message = (ready.reason or "NotReady") .. ": " .. message
return hs
