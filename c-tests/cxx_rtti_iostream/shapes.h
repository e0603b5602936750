#include <string>
struct Shape { virtual ~Shape(); virtual std::string name() const = 0; virtual double area() const = 0; };
Shape *make_circle(double r);
Shape *make_square(double s);
