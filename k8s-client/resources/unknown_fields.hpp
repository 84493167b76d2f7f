// The members of a JSON object that Sluice does not model, kept verbatim so that writing
// an object back never drops what another writer (a newer Calico, kubectl, a controller)
// put there. Every modeled struct carries one, so unknown members travel with their
// struct even when a vector of structs is reordered or compacted.
#pragma once

#include <memory>

#include <rapidjson/document.h>

namespace sluice::k8s {

class UnknownFields {
 public:
  UnknownFields() = default;
  // Takes an object holding only the members not modeled; an empty object is kept as none.
  explicit UnknownFields(std::shared_ptr<const rapidjson::Document> members);

  bool empty() const { return members_ == nullptr; }
  // The unknown members, in the order they arrived; nullptr when there are none.
  const rapidjson::Value* members() const { return members_.get(); }
  void clear() { members_.reset(); }

  // Member by member, in order, values compared deeply.
  friend bool operator==(const UnknownFields& a, const UnknownFields& b);

 private:
  // Immutable and shared: copying a decoded object does not copy the JSON.
  std::shared_ptr<const rapidjson::Document> members_;
};

}  // namespace sluice::k8s
